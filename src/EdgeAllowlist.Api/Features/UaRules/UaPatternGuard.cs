using System.Text.RegularExpressions;
using Jint;
using Jint.Runtime;

namespace EdgeAllowlist.Api.Features.UaRules;

/// <summary>
/// Whether a User-Agent regex may go to the edge: it must compile in a JavaScript engine (Jint, the
/// engine the function runtime uses) with flag <c>i</c>, use nothing CloudFront's runtime lacks
/// (lookbehind), have no nested unbounded quantifier (<c>(a+)+</c>, <c>(.*x)*</c>: catastrophic
/// backtracking), and stay fast on adversarial inputs built from its own characters.
/// </summary>
static partial class UaPatternGuard
{
    static readonly TimeSpan MatchBudget = TimeSpan.FromMilliseconds(100);

    public static string? Problem(string source)
    {
        if (Lookbehind().IsMatch(source))
            return "uses lookbehind ((?<=…) or (?<!…)), which CloudFront's JavaScript runtime does not support.";
        if (HasNestedUnboundedQuantifier(source))
            return "has an unbounded quantifier inside a group that is itself repeated without bound (like (a+)+): it can backtrack catastrophically.";
        var engine = new Engine(o => o.RegexTimeoutInterval(MatchBudget).TimeoutInterval(TimeSpan.FromSeconds(2)));
        engine.SetValue("src", source);
        try
        {
            engine.Evaluate("var re = new RegExp(src, 'i');");
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
            catch (Exception e) when (e is RegexMatchTimeoutException or TimeoutException)
            {
                return $"took longer than {MatchBudget.TotalMilliseconds} ms on a {input.Length}-character adversarial User-Agent.";
            }
        }
        return null;
    }

    /// <summary>Tracks, per open group, whether it holds an unbounded quantifier; a repeated such group is refused.</summary>
    static bool HasNestedUnboundedQuantifier(string source)
    {
        var groups = new Stack<bool>();
        var lastGroupUnbounded = false;
        var afterGroup = false;
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            var unboundedHere = c is '*' or '+' || (c == '{' && UnboundedBrace().IsMatch(source[i..]));
            if (unboundedHere)
            {
                if (afterGroup && lastGroupUnbounded)
                    return true;
                if (groups.Count > 0)
                {
                    groups.Pop();
                    groups.Push(true);
                }
                afterGroup = false;
                continue;
            }
            afterGroup = false;
            switch (c)
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    while (++i < source.Length && source[i] != ']')
                        if (source[i] == '\\')
                            i++;
                    break;
                case '(':
                    groups.Push(false);
                    break;
                case ')' when groups.Count > 0:
                    lastGroupUnbounded = groups.Pop();
                    if (lastGroupUnbounded && groups.Count > 0)
                    {
                        groups.Pop();
                        groups.Push(true);
                    }
                    afterGroup = true;
                    break;
            }
        }
        return false;
    }

    static IEnumerable<string> AdversarialInputs(string source)
    {
        var characters = source.Where(char.IsLetterOrDigit).Distinct().Take(8).Append('a').Append(' ').Append('/').Distinct();
        foreach (var c in characters)
        {
            yield return new string(c, 64) + "\u0001";
            yield return string.Concat(Enumerable.Repeat($"{c}{c} ", 40)) + "\u0001";
        }
        yield return string.Concat(Enumerable.Repeat("Mozilla/5.0 ", 80));
    }

    [GeneratedRegex(@"\(\?<[=!]")]
    private static partial Regex Lookbehind();

    [GeneratedRegex(@"^\{\d+,\}")]
    private static partial Regex UnboundedBrace();
}
