using System.Text;

namespace EdgeAllowlist.Rules.UserAgents;

/// <summary>
/// The User-Agent regexes of cfg schema 1, which the function no longer compiles: a regex becomes the
/// glob it equals when there is one (literal characters, <c>.*</c>, <c>^</c> at the start, <c>$</c>
/// at the end, unquantified groups of one alternative; the <c>i</c> flag is the function's ASCII case
/// folding), and otherwise is refused with the nearest wildcard form: each construct a glob cannot
/// say replaced by <c>*</c>, which matches more, never less.
/// </summary>
public static class LegacyRegex
{
    /// <summary>The glob equal to <paramref name="regex"/>, or null and the nearest glob (null when even that says nothing).</summary>
    public static (string? Glob, string? Nearest) ToGlob(string regex)
    {
        Alternation tree;
        try
        {
            tree = RegexSyntax.Parse(regex);
        }
        catch (RegexSyntaxException)
        {
            return (null, null);
        }
        if (tree.Alternatives.Count != 1)
            return (null, null);
        var terms = tree.Alternatives[0].Terms.ToList();
        var exact = true;
        var glob = new StringBuilder();
        var anchoredStart = terms is [{ Atom: Assertion { Kind: "^" }, Quantifier: null }, ..];
        var anchoredEnd = terms.Count > (anchoredStart ? 1 : 0) && terms[^1] is { Atom: Assertion { Kind: "$" }, Quantifier: null };
        if (!anchoredStart) glob.Append('*');
        Append(regex, terms.Skip(anchoredStart ? 1 : 0).SkipLast(anchoredEnd ? 1 : 0), glob, ref exact);
        if (!anchoredEnd) glob.Append('*');
        var result = UserAgentMatcher.Compile(UserAgentMatcher.Wildcard, glob.ToString());
        var meaningful = result.Any(c => c != '*');
        if (exact && meaningful && result.Count(c => c == '*') <= UserAgentMatcher.MaxWildcards)
            return (result, null);
        return (null, meaningful ? result : null);
    }

    static void Append(string source, IEnumerable<Term> terms, StringBuilder glob, ref bool exact)
    {
        foreach (var term in terms)
        {
            switch (term)
            {
                case { Atom: Character { Literal: { } c and >= ' ' and <= '~' and not '*' }, Quantifier: null }:
                    glob.Append(c);
                    break;
                case { Atom: Character, Quantifier: { Min: 0, Max: null } } when term.Atom.Text(source) == ".":
                    glob.Append('*');
                    break;
                case { Atom: Group { Kind: GroupKind.NonCapturing or GroupKind.Capturing, Body.Alternatives: [var only] }, Quantifier: null }:
                    Append(source, only.Terms, glob, ref exact);
                    break;
                default:
                    exact = false;
                    glob.Append('*');
                    break;
            }
        }
    }

    /// <summary>The regexes of one schema-1 shard member, a top-level alternation split into its alternatives (<c>curl|wget</c> is two rules).</summary>
    public static IEnumerable<string> Regexes(string member) =>
        SplitAlternatives(member).SelectMany(regex =>
        {
            try
            {
                return RegexSyntax.Parse(regex) is { Alternatives.Count: > 1 } tree ? tree.Alternatives.Select(a => a.Text(regex)) : [regex];
            }
            catch (RegexSyntaxException)
            {
                return [regex];
            }
        });

    /// <summary>
    /// The regexes of one schema-1 shard member: its top-level alternatives, each with the <c>(?:…)</c> the
    /// packer added taken off, as the admin wrote them; a member written by hand reads back as its parts.
    /// </summary>
    static IEnumerable<string> SplitAlternatives(string source)
    {
        if (source.Length == 0)
            return [];
        Alternation tree;
        try
        {
            tree = RegexSyntax.Parse(source);
        }
        catch (RegexSyntaxException)
        {
            // Not a regex at all; shown whole so it can be deleted.
            return [source];
        }
        return tree.Alternatives.Select(a => Decompile(a.Terms is [{ Atom: Group { Kind: GroupKind.NonCapturing } group, Quantifier: null }]
            ? source[(group.Start + 3)..(group.End - 1)]
            : a.Text(source)));
    }

    /// <summary>
    /// The regex an admin wrote, from the source the schema-1 guard stored: it compiled each top-level
    /// <c>.*</c> to a scan, <c>^(?:(?!(?:part))[\s\S])*(?:part)</c>, which reads back as <c>.*part</c>.
    /// </summary>
    static string Decompile(string source)
    {
        Alternation tree;
        try
        {
            tree = RegexSyntax.Parse(source);
        }
        catch (RegexSyntaxException)
        {
            return source;
        }
        return string.Join('|', tree.Alternatives.Select(alternative => DecompileAlternative(source, alternative) ?? alternative.Text(source)));
    }

    static string? DecompileAlternative(string source, Sequence alternative)
    {
        if (alternative.Terms is not [{ Atom: Assertion { Kind: "^" } }, _, ..])
            return null;
        var terms = alternative.Terms.Skip(1).ToList();
        var parts = new List<string>();
        var anchored = terms.Count % 2 == 1;
        if (anchored)
        {
            if (GroupText(source, terms[0]) is not { } first)
                return null;
            parts.Add("^" + first);
            terms.RemoveAt(0);
        }
        if (terms.Count == 0)
            return null;
        for (var k = 0; k < terms.Count; k += 2)
        {
            if (GroupText(source, terms[k + 1]) is not { } text || terms[k].Text(source) != $@"(?:(?!(?:{text}))[\s\S])*")
                return null;
            parts.Add(text);
        }
        return string.Join(".*", parts);
    }

    /// <summary>The inside of an unquantified <c>(?:…)</c> term; else null.</summary>
    static string? GroupText(string source, Term term) =>
        term is { Atom: Group { Kind: GroupKind.NonCapturing } group, Quantifier: null } ? source[(group.Start + 3)..(group.End - 1)] : null;
}
