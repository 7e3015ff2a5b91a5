using System.Security.Cryptography;
using System.Text;

namespace EdgeAllowlist.Rules.UserAgents;

/// <summary>
/// A User-Agent rule as the function evaluates it (function/README.md §1, <c>ua:&lt;n&gt;</c>): a glob in
/// which <c>*</c> stands for any characters, matched against the ASCII-lower-cased first 512
/// characters of each User-Agent value with <c>startsWith</c>, ordered <c>indexOf</c> and
/// <c>endsWith</c>. The cost is linear in the header length times the rule's bytes by construction,
/// so no pattern needs a guard. The four kinds are spellings of a glob: contains <c>x</c> is
/// <c>*x*</c>, prefix <c>x</c> is <c>x*</c>, exact <c>x</c> is <c>x</c>, wildcard is the glob itself.
/// </summary>
public static class UserAgentMatcher
{
    public const string Contains = "contains";
    public const string Prefix = "prefix";
    public const string Exact = "exact";
    public const string Wildcard = "wildcard";

    /// <summary>The kind names of the retired API: substring is contains; regex is converted when it has an exact equivalent.</summary>
    public const string Substring = "substring";
    public const string Regex = "regex";

    public static readonly string[] Kinds = [Contains, Prefix, Exact, Wildcard];

    /// <summary>A User-Agent holds hundreds of characters; a rule is a product name and version.</summary>
    public const int MaxPatternLength = 200;

    /// <summary>At most this many '*' in one rule, so a rule is at most five indexOf scans of a value.</summary>
    public const int MaxWildcards = 4;

    /// <summary>Rules per list (allow, deny); with <see cref="MaxWildcards"/> this is the function's cost bound (README §4).</summary>
    public const int MaxRulesPerList = 16;

    /// <summary>The glob the shard stores for <paramref name="pattern"/> of <paramref name="kind"/> (already validated).</summary>
    public static string Compile(string kind, string pattern) => kind switch
    {
        Contains or Substring => "*" + pattern + "*",
        Prefix => pattern + "*",
        Exact => pattern,
        _ => CollapseStars(pattern),
    };

    /// <summary>The kind and pattern an admin would write for <paramref name="glob"/>: the simplest spelling.</summary>
    public static (string Kind, string Pattern) Describe(string glob)
    {
        var stars = glob.Count(c => c == '*');
        if (stars == 0) return (Exact, glob);
        if (stars == 1 && glob.Length > 1 && glob[^1] == '*') return (Prefix, glob[..^1]);
        if (stars == 2 && glob.Length > 2 && glob[0] == '*' && glob[^1] == '*') return (Contains, glob[1..^1]);
        return (Wildcard, glob);
    }

    /// <summary>Null when <paramref name="pattern"/> is a valid pattern of <paramref name="kind"/>; else why not, phrased to follow "pattern".</summary>
    public static string? Check(string kind, string pattern)
    {
        if (pattern.Length > MaxPatternLength)
            return $"must be at most {MaxPatternLength} characters.";
        if (pattern.Any(c => c is < ' ' or > '~'))
            return "must be printable ASCII: User-Agents are ASCII, and matching folds ASCII case only.";
        if (kind != Wildcard && pattern.Contains('*'))
            return $"contains '*', the wildcard: use kind '{Wildcard}' (a User-Agent never contains a literal '*').";
        if (kind == Wildcard)
        {
            var glob = CollapseStars(pattern);
            if (glob.All(c => c == '*'))
                return "matches every User-Agent; set noOrigin instead (allow, or deny) to decide requests without Origin.";
            if (glob.Count(c => c == '*') > MaxWildcards)
                return $"has more than {MaxWildcards} '*': each is one more scan of every User-Agent, and the function's cost bound allows {MaxWildcards}.";
        }
        return null;
    }

    /// <summary>Stable for a list and glob whatever its case (matching ignores case), so a rule can be deleted by the id a listing showed.</summary>
    public static string IdOf(string list, string stored) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{list}\n{stored.ToLowerInvariant()}")))[..12];

    static string CollapseStars(string pattern)
    {
        var glob = new StringBuilder(pattern.Length);
        foreach (var c in pattern)
            if (c != '*' || glob.Length == 0 || glob[^1] != '*')
                glob.Append(c);
        return glob.ToString();
    }
}
