using System.Text;
using Jint;
using Jint.Runtime;

namespace EdgeAllowlist.Api.Features.UserAgents;

/// <summary>
/// Decides whether a User-Agent regex may reach the edge, where a pattern that backtracks would cost
/// every request its CPU budget, and compiles it to the shard source the function runs. The edge
/// engine backtracks like V8 and tries every start position, so the test is structural, never a
/// timing: a pattern is accepted only from a subset whose matching cost is linear in the length of
/// the User-Agent (docs/api.md, "User-Agent regex subset", lists the subset; <c>tests/interop/redos</c> proves it under Node).
/// <list type="bullet">
/// <item>a repeated group holds no quantifier, alternation or lookahead, and repeats at most 32 times;</item>
/// <item><c>*</c>, <c>+</c> and <c>{n,}</c> apply to one character (or class) outside any group, follow a
/// character they cannot match (or <c>^</c>) and are followed by one (or <c>$</c>, or the end), so
/// the runs they scan from different start positions never overlap;</item>
/// <item>at most <see cref="MaxWays"/> ways through the optional parts and alternatives;</item>
/// <item><c>.*</c> between parts is compiled to a scan for the next part's first occurrence
/// (<see cref="Compile"/>), exact because a part before <c>.*</c> is a set of texts none of which
/// holds another.</item>
/// </list>
/// </summary>
static class PatternGuard
{
    public const int MaxPatternLength = 500;

    /// <summary>The largest bound of <c>{n,m}</c>; also the most texts a part before <c>.*</c> may stand for is <see cref="MaxWays"/>.</summary>
    public const int MaxRepeat = 32;

    /// <summary>Backtracking paths one start position may try; each costs at most the pattern's length.</summary>
    public const int MaxWays = 32;

    const int MaxPartCharacters = 512;

    /// <summary>The characters that make a regex more than a literal; escaping them turns a substring into a regex.</summary>
    const string MetaCharacters = @"\^$.|?*+()[]{}";

    const string Gap = ".*";

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

    /// <summary>The literal a shard source stands for when it is exactly an escaped substring; else null.</summary>
    public static string? AsSubstring(string source)
    {
        if (TryParse(source) is not { Alternatives: [var only] })
            return null;
        var literal = new StringBuilder(source.Length);
        foreach (var term in only.Terms)
        {
            if (term is not { Atom: Character { Literal: { } c }, Quantifier: null })
                return null;
            literal.Append(c);
        }
        return Escape(literal.ToString()) == source ? literal.ToString() : null;
    }

    /// <summary>Null when the regex is safe to deploy; else why not, phrased to follow "pattern".</summary>
    public static string? Check(string pattern)
    {
        Alternation tree;
        try
        {
            tree = RegexSyntax.Parse(pattern);
        }
        catch (RegexSyntaxException e)
        {
            return e.Message;
        }
        foreach (var alternative in tree.Alternatives)
            if (CheckAlternative(pattern, alternative) is { } problem)
                return problem;
        if (RepeatWeight(tree) > MaxRepeat)
            return $"has bounded repeats adding up to {RepeatWeight(tree)} ({{n,m}} counts m, times the length of a repeated group); at most {MaxRepeat} in one pattern, as a shard holds at most that many. Split it into several patterns.";
        return CheckCompiles(Compile(pattern));
    }

    /// <summary>
    /// The source the shard holds for an accepted regex: unchanged, except that each top-level
    /// alternative with <c>.*</c> becomes <c>^</c> then, per part, a scan that stops at the part's
    /// first occurrence followed by the part: <c>(iPhone|iPad).*AppleWebKit</c> →
    /// <c>^(?:(?!(?:(iPhone|iPad)))[\s\S])*(?:(iPhone|iPad))(?:(?!(?:AppleWebKit))[\s\S])*(?:AppleWebKit)</c>.
    /// The engine then tries each part at one position only instead of at every occurrence.
    /// </summary>
    public static string Compile(string pattern)
    {
        if (TryParse(pattern) is not { } tree)
            return pattern;
        return string.Join('|', tree.Alternatives.Select(alternative =>
        {
            var parts = Parts(pattern, alternative);
            if (parts.Count == 1)
                return alternative.Text(pattern);
            var anchored = Anchored(alternative);
            var compiled = new StringBuilder("^");
            for (var k = 0; k < parts.Count; k++)
            {
                var text = PartText(pattern, parts[k], k == 0 && anchored);
                if (k > 0 || !anchored)
                    compiled.Append(ScanTo(text));
                compiled.Append("(?:").Append(text).Append(')');
            }
            return compiled.ToString();
        }));
    }

    /// <summary>The regex an admin wrote, from the shard source <see cref="Compile"/> made of it.</summary>
    public static string Decompile(string source)
    {
        if (TryParse(source) is not { } tree)
            return source;
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
            if (GroupText(source, terms[k + 1]) is not { } text || terms[k].Text(source) != ScanTo(text))
                return null;
            parts.Add(text);
        }
        return string.Join(Gap, parts);
    }

    static string ScanTo(string part) => $@"(?:(?!(?:{part}))[\s\S])*";

    /// <summary>The inside of an unquantified <c>(?:…)</c> term; else null.</summary>
    static string? GroupText(string source, Term term) =>
        term is { Atom: Group { Kind: GroupKind.NonCapturing } group, Quantifier: null } ? source[(group.Start + 3)..(group.End - 1)] : null;

    static Alternation? TryParse(string source)
    {
        try
        {
            return RegexSyntax.Parse(source);
        }
        catch (RegexSyntaxException)
        {
            return null;
        }
    }

    static bool Anchored(Sequence alternative) => alternative.Terms is [{ Atom: Assertion { Kind: "^" } }, ..];

    static bool IsGap(string source, Term term) => term is { Atom: Character, Quantifier: { Min: 0, Max: null, Lazy: false } } && term.Atom.Text(source) == ".";

    /// <summary>The runs of terms between the top-level <c>.*</c> of one alternative.</summary>
    static List<List<Term>> Parts(string source, Sequence alternative)
    {
        var parts = new List<List<Term>> { new() };
        foreach (var term in alternative.Terms)
        {
            if (IsGap(source, term))
                parts.Add([]);
            else
                parts[^1].Add(term);
        }
        return parts;
    }

    static string PartText(string source, List<Term> part, bool skipAnchor)
    {
        var terms = skipAnchor ? part.Skip(1) : part;
        return string.Concat(terms.Select(t => t.Text(source)));
    }

    static string? CheckAlternative(string source, Sequence alternative)
    {
        var parts = Parts(source, alternative);
        for (var k = 0; k < parts.Count; k++)
        {
            var last = k == parts.Count - 1;
            var anchored = k == 0 && Anchored(alternative);
            if (!last && CheckTextsBeforeGap(source, parts[k]) is { } gapProblem)
                return gapProblem;
            if (CheckTerms(source, parts[k], topLevel: true, endFences: last, anchored) is { } problem)
                return problem;
            var ways = Ways(parts[k], endFences: last);
            if (ways > MaxWays)
                return $"can match the same text in {(ways >= Saturated ? "millions of" : ways)} ways (at most {MaxWays}): too many optional parts, bounded repeats or alternatives that overlap, which backtracks.";
        }
        return null;
    }

    static string? CheckTerms(string source, IReadOnlyList<Term> terms, bool topLevel, bool endFences, bool anchored)
    {
        for (var i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            var text = term.Text(source);
            if (term.Quantifier is { } q && (q.Min > MaxRepeat || q.Max > MaxRepeat))
                return $"repeats '{text}' more than {MaxRepeat} times; the largest bound allowed is {MaxRepeat}.";
            switch (term.Atom)
            {
                case Group group when term.Quantifier is not null:
                    if (Any(group.Body, t => t.Quantifier is not null))
                        return $"repeats a group that holds a quantifier ('{text}', like (a+)+ or (.*a){{20}}), which backtracks catastrophically.";
                    if (Any(group.Body, t => t.Atom is Group { Body.Alternatives.Count: > 1 }) || group.Body.Alternatives.Count > 1)
                        return $"repeats a group that holds alternatives ('{text}', like (a|aa)+), which backtracks catastrophically.";
                    if (Any(group.Body, t => t.Atom is Group { IsLookahead: true }))
                        return $"repeats a group that holds a lookahead ('{text}').";
                    if (term.Unbounded)
                        return $"repeats a group without bound ('{text}'); only a single character or class may take *, + or {{n,}}.";
                    break;
                case Group group:
                    foreach (var alternative in group.Body.Alternatives)
                        if (CheckTerms(source, alternative.Terms, topLevel: false, endFences: false, anchored: false) is { } problem)
                            return problem;
                    break;
                case Character character when term.Unbounded:
                    if (!topLevel)
                        return $"uses '{text}' inside a group or lookahead; write *, + and {{n,}} outside any group.";
                    var fencedBefore = i > 0 && terms[i - 1] is { Quantifier: null, Atom: Character before } && !before.Set.Overlaps(character.Set)
                        || i == 1 && anchored;
                    if (!fencedBefore)
                        return $"lets '{text}' start at every position: *, + and {{n,}} must follow a character they cannot match (like the / in Chrome/\\d+), or ^ at the start.";
                    if (!FencedAfter(terms, i, endFences))
                        return $"lets '{text}' give characters back to what follows: *, + and {{n,}} must be followed by a character they cannot match (like the \\. in \\d+\\.), by $, or end the pattern.";
                    break;
            }
        }
        return null;
    }

    /// <summary>After term <paramref name="i"/>, only one of the positions it could stop at lets the match go on.</summary>
    static bool FencedAfter(IReadOnlyList<Term> terms, int i, bool endFences)
    {
        if (i == terms.Count - 1)
            return endFences;
        return terms[i + 1] switch
        {
            { Atom: Assertion { Kind: "$" } } => true,
            { Quantifier: null, Atom: Character next } => terms[i].Atom is Character current && !current.Set.Overlaps(next.Set),
            _ => false,
        };
    }

    const long Saturated = 1_000_000;

    /// <summary>How many backtracking paths one start position can try through these terms (an upper bound).</summary>
    static long Ways(IReadOnlyList<Term> terms, bool endFences)
    {
        long ways = 1;
        for (var i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            long factor = term.Atom switch
            {
                Group { IsLookahead: true } look => AlternativeWays(look.Body),
                Group group when term.Quantifier is null => AlternativeWays(group.Body),
                _ when term.Varies && term.Atom is Character && FencedAfter(terms, i, endFences) => 1,
                _ when term.Varies => (term.Quantifier!.Max ?? MaxRepeat) - term.Quantifier.Min + 1,
                _ => 1,
            };
            ways = Math.Min(Saturated, ways * factor);
        }
        return ways;
    }

    static long AlternativeWays(Alternation body) => Math.Min(Saturated, body.Alternatives.Sum(a => Ways(a.Terms, endFences: false)));

    static bool Any(Alternation body, Func<Term, bool> test) =>
        body.Alternatives.SelectMany(a => a.Terms).Any(t => test(t) || t.Atom is Group inner && Any(inner.Body, test));

    /// <summary>
    /// The part before a <c>.*</c> is matched at its first occurrence only, so it must be a set of
    /// texts where the first occurrence ends first: no text may contain another (case-insensitively).
    /// </summary>
    static string? CheckTextsBeforeGap(string source, List<Term> part)
    {
        var text = string.Concat(part.Select(t => t.Text(source)));
        var texts = Texts(part);
        if (texts is null)
            return $"has '{text}' before .*: the part before each .* must be plain text or a choice of texts (like (iPhone|iPad)), without *, +, {{n,}}, lookarounds, $ or \\b.";
        if (texts.Count > MaxWays || texts.Sum(t => t.Length) > MaxPartCharacters)
            return $"has '{text}' before .*, which stands for more than {MaxWays} texts or {MaxPartCharacters} characters.";
        for (var a = 0; a < texts.Count; a++)
            for (var b = 0; b < texts.Count; b++)
                if (a != b && texts[a].Contains(texts[b], StringComparison.OrdinalIgnoreCase))
                    return texts[a].Equals(texts[b], StringComparison.OrdinalIgnoreCase)
                        ? $"has '{text}' before .*, which can match '{texts[a]}' in two ways."
                        : $"has '{text}' before .*, where '{texts[b]}' is part of '{texts[a]}': no text before .* may contain another.";
        return null;
    }

    /// <summary>Every text the terms match, or null when they are not a small finite set of texts.</summary>
    static List<string>? Texts(IReadOnlyList<Term> terms)
    {
        List<string> texts = [""];
        for (var i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            List<string>? one = term.Atom switch
            {
                Assertion { Kind: "^" } when i == 0 => [""],
                Character c when c.Set.Count <= MaxWays => [.. c.Set.Members.Select(m => m.ToString())],
                Group { IsLookahead: false } g => g.Body.Alternatives.Select(a => Texts(a.Terms)).Aggregate((List<string>?)[], (all, next) => all is null || next is null ? null : [.. all, .. next]),
                _ => null,
            };
            if (one is null || term.Unbounded)
                return null;
            var (min, max) = term.Quantifier is { } q ? (q.Min, q.Max!.Value) : (1, 1);
            var repeated = new List<string>();
            for (var count = min; count <= max; count++)
            {
                List<string> power = [""];
                for (var n = 0; n < count && power.Count <= MaxWays; n++)
                    power = [.. power.SelectMany(p => one.Select(o => p + o))];
                repeated.AddRange(power);
                if (repeated.Count > MaxWays)
                    return repeated;
            }
            texts = [.. texts.SelectMany(t => repeated.Select(r => t + r))];
            if (texts.Count > MaxWays)
                return texts;
        }
        return texts;
    }

    /// <summary>
    /// What the counted loops of a source add up to: <c>{n,m}</c> counts m (times the length of a
    /// repeated group), <c>{n,}</c> counts n (a
    /// <c>?</c>, <c>*</c> or <c>+</c> counts nothing). Under V8 one regex with several counted loops
    /// costs far more per start position than the sum of them alone, so a shard's total is capped.
    /// </summary>
    public static int RepeatWeight(string source) => TryParse(source) is { } tree ? RepeatWeight(tree) : 0;

    static int RepeatWeight(Alternation tree) => tree.Alternatives.SelectMany(a => a.Terms).Sum(t =>
        (t.Quantifier is { } q ? (int)Math.Min(MaxRepeat + 1L, q.Max ?? q.Min) is var count && count >= 2 ? count * Width(t.Atom) : 0 : 0)
        + (t.Atom is Group g ? RepeatWeight(g.Body) : 0));

    /// <summary>Characters one pass of a repeated atom steps over: 1, or a group's terms (a repeated group holds no quantifier).</summary>
    static int Width(Atom atom) => atom is Group g ? Math.Max(1, g.Body.Alternatives.Max(a => a.Terms.Count)) : 1;

    /// <summary>The compiled source must also be a regex the function's engine accepts; a compile, not a timed run.</summary>
    static string? CheckCompiles(string source)
    {
        var engine = new Engine(o => o.MaxStatements(100));
        engine.SetValue("source", source);
        try
        {
            engine.Execute("new RegExp(source, 'i');");
            return null;
        }
        catch (JavaScriptException e)
        {
            return $"is not a valid JavaScript regular expression: {e.Message}";
        }
    }
}
