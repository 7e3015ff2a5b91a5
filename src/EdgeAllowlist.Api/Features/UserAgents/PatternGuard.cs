using System.Text;
using System.Text.RegularExpressions;
using Jint;
using Jint.Runtime;

namespace EdgeAllowlist.Api.Features.UserAgents;

/// <summary>
/// Decides whether a User-Agent regex may reach the edge, where a slow pattern would cost every
/// request its CPU budget. Three gates, cheapest first: a scan that refuses the shapes known to
/// backtrack catastrophically (an unbounded quantifier on a group that itself repeats without
/// bound, or whose alternatives can start alike, and constructs the combined shard cannot hold);
/// compilation by Jint, the engine that runs the function here; and a run against adversarial
/// inputs under Jint's regex timeout, refusing anything that does not finish well inside it.
/// </summary>
static class PatternGuard
{
    public const int MaxPatternLength = 500;

    /// <summary>Per match; a sound pattern needs microseconds for these inputs, a catastrophic one never finishes.</summary>
    static readonly TimeSpan MatchBudget = TimeSpan.FromMilliseconds(100);

    /// <summary>The characters that make a regex more than a literal; escaping them turns a substring into a regex.</summary>
    const string MetaCharacters = @"\^$.|?*+()[]{}";

    public static string Escape(string substring)
    {
        var escaped = new StringBuilder(substring.Length * 2);
        foreach (var c in substring)
        {
            if (MetaCharacters.Contains(c))
                escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>The literal a regex stands for when it is only escaped literal characters (so it is a substring rule); else null.</summary>
    public static string? AsSubstring(string source)
    {
        var literal = new StringBuilder(source.Length);
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (c == '\\' && i + 1 < source.Length && MetaCharacters.Contains(source[i + 1]))
                literal.Append(source[++i]);
            else if (MetaCharacters.Contains(c))
                return null;
            else
                literal.Append(c);
        }
        return literal.ToString();
    }

    /// <summary>Null when the regex source is safe to deploy; else why not, phrased for the caller.</summary>
    public static string? Check(string source) => CheckShape(source) ?? CheckCompilesAndRunsFast(source);

    /// <summary>Compiles with the flags the function uses, then times it on adversarial inputs under Jint's regex timeout.</summary>
    static string? CheckCompilesAndRunsFast(string source)
    {
        var engine = new Engine(o => o.RegexTimeoutInterval(MatchBudget).TimeoutInterval(TimeSpan.FromSeconds(5)).MaxStatements(10_000));
        engine.SetValue("source", source);
        try
        {
            engine.Execute("var re = new RegExp(source, 'i');");
        }
        catch (JavaScriptException e)
        {
            return $"is not a valid JavaScript regular expression: {e.Message}";
        }
        foreach (var input in AdversarialInputs(source))
        {
            engine.SetValue("input", input);
            try
            {
                engine.Evaluate("re.test(input)");
            }
            catch (Exception e) when (e is RegexMatchTimeoutException or TimeoutException or StatementsCountOverflowException)
            {
                return $"is too slow: matching it against a {input.Length}-character User-Agent did not finish within {MatchBudget.TotalMilliseconds} ms (catastrophic backtracking).";
            }
        }
        return null;
    }

    /// <summary>
    /// Long runs of each character the pattern names (and of its literal text), each ending in a
    /// character nothing expects, so a backtracking matcher must try every way to split the run.
    /// </summary>
    static IEnumerable<string> AdversarialInputs(string source)
    {
        var alphabet = source.Where(c => !char.IsControl(c) && !MetaCharacters.Contains(c)).Select(char.ToLowerInvariant)
            .Concat("a0 /._-;").Distinct().Take(24).ToList();
        var literal = new string([.. source.Where(char.IsLetterOrDigit)]);
        foreach (var length in (int[])[32, 4096])
        {
            foreach (var c in alphabet)
                yield return new string(c, length) + "\u0001";
            if (literal.Length > 0)
                yield return string.Concat(Enumerable.Repeat(literal, length / literal.Length + 1))[..length] + "\u0001";
            yield return string.Concat(Enumerable.Repeat(string.Concat(alphabet), length / alphabet.Count + 1))[..length] + "\u0001";
        }
    }

    /// <summary>One open group during the scan.</summary>
    sealed class Frame
    {
        public bool RepeatsUnbounded;
        public bool AlternativesOverlap;
        public List<string?> FirstAtoms = [];
        public bool AtAlternativeStart = true;
    }

    /// <summary>
    /// A single pass over the source, tracking groups. Enough to catch <c>(a+)+</c>, <c>(a*)*</c>,
    /// <c>((ab)*c)+</c> and <c>(a|a)*</c>, <c>(\w|\d)+</c>; the speed run catches what a scan cannot see.
    /// </summary>
    static string? CheckShape(string source)
    {
        if (source.Contains("(?<=") || source.Contains("(?<!"))
            return "uses lookbehind, which CloudFront's runtime does not support.";
        if (Regex.IsMatch(source, @"(?<!\\)(\\\\)*\\[1-9]") || source.Contains(@"\k<"))
            return "uses a backreference; patterns are combined into one expression per shard, which would renumber them.";
        if (source.Contains("(?<"))
            return "uses a named group; patterns are combined into one expression per shard, where names could clash.";
        var stack = new Stack<Frame>();
        var top = new Frame();
        var current = top;
        // What the last atom was, for the quantifier that may follow: a group's frame, or null for a single character.
        Frame? lastGroup = null;
        var haveAtom = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            string? first = null;
            switch (c)
            {
                case '\\':
                    if (i + 1 >= source.Length)
                        return "ends with a lone backslash.";
                    var escaped = source[++i];
                    first = char.IsLetter(escaped) && "dDwWsSbBpPu".Contains(escaped) ? null : char.ToLowerInvariant(escaped).ToString();
                    break;
                case '[':
                    var end = ClassEnd(source, i);
                    if (end < 0)
                        return "has an unclosed character class '['.";
                    i = end;
                    break;
                case '(':
                    stack.Push(current);
                    current = new();
                    if (source.AsSpan(i).StartsWith("(?:") || source.AsSpan(i).StartsWith("(?=") || source.AsSpan(i).StartsWith("(?!"))
                        i += 2;
                    continue;
                case ')':
                    if (stack.Count == 0)
                        return "has an unmatched ')'.";
                    var closed = current;
                    closed.AlternativesOverlap |= closed.AtAlternativeStart && closed.FirstAtoms.Count > 0;
                    current = stack.Pop();
                    current.RepeatsUnbounded |= closed.RepeatsUnbounded;
                    NoteFirst(current, null);
                    lastGroup = closed;
                    haveAtom = true;
                    continue;
                case '|':
                    // An empty alternative matches nothing, and so overlaps with every other.
                    current.AlternativesOverlap |= current.AtAlternativeStart;
                    current.AtAlternativeStart = true;
                    haveAtom = false;
                    continue;
                case '*' or '+' or '?' or '{':
                    var (length, unbounded) = Quantifier(source, i);
                    if (length == 0)
                    {
                        first = c.ToString();
                        break;
                    }
                    if (!haveAtom)
                        return $"has a quantifier '{c}' with nothing to repeat.";
                    if (unbounded && lastGroup is { } group)
                    {
                        if (group.RepeatsUnbounded)
                            return "nests unbounded quantifiers (like (a+)+ or (a*)*), which backtracks catastrophically.";
                        if (group.AlternativesOverlap)
                            return "repeats a group whose alternatives can match the same text (like (a|a)* or (\\w|\\d)+), which backtracks catastrophically.";
                    }
                    current.RepeatsUnbounded |= unbounded;
                    i += length - 1;
                    if (i + 1 < source.Length && source[i + 1] == '?')
                        i++;
                    haveAtom = false;
                    continue;
                case '.' or '^' or '$':
                    break;
                default:
                    first = char.ToLowerInvariant(c).ToString();
                    break;
            }
            NoteFirst(current, first);
            lastGroup = null;
            haveAtom = c is not ('^' or '$');
        }
        if (stack.Count > 0)
            return "has an unclosed '('.";
        return null;
    }

    /// <summary>Records an alternative's first atom (null: could be many characters) and whether it overlaps an earlier one.</summary>
    static void NoteFirst(Frame frame, string? first)
    {
        if (!frame.AtAlternativeStart)
            return;
        frame.AtAlternativeStart = false;
        if (frame.FirstAtoms.Any(f => f is null || f == first) || first is null && frame.FirstAtoms.Count > 0)
            frame.AlternativesOverlap = true;
        frame.FirstAtoms.Add(first);
    }

    static int ClassEnd(string source, int start)
    {
        var i = start + 1;
        if (i < source.Length && source[i] == '^')
            i++;
        for (; i < source.Length; i++)
        {
            if (source[i] == '\\')
                i++;
            else if (source[i] == ']')
                return i;
        }
        return -1;
    }

    /// <summary>The length of the quantifier at <paramref name="i"/> (0 when '{' is a literal) and whether it has no upper bound.</summary>
    static (int Length, bool Unbounded) Quantifier(string source, int i)
    {
        if (source[i] != '{')
            return (1, source[i] != '?');
        var match = Regex.Match(source[i..], @"^\{(\d+)(,(\d*))?\}");
        if (!match.Success)
            return (0, false);
        return (match.Length, match.Groups[2].Success && match.Groups[3].Length == 0);
    }
}
