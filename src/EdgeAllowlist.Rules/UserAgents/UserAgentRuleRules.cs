namespace EdgeAllowlist.Rules.UserAgents;

/// <summary>
/// A User-Agent rule as people write it (list allow|deny, kind contains|prefix|exact|wildcard, pattern):
/// its field rules, for <c>POST /v1/user-agents</c> and a desired-state document alike, and the glob it is
/// stored as. Kind null is contains; substring is read as contains; a regex (retired) is converted to the
/// glob it equals, or refused naming the nearest wildcard form.
/// </summary>
public static class UserAgentRuleRules
{
    public const string Allow = "allow";
    public const string Deny = "deny";

    public const string ListMessage = "list must be 'allow' or 'deny'.";

    public static readonly string KindMessage =
        $"kind must be one of: {string.Join(", ", UserAgentMatcher.Kinds)} (substring is read as contains; regex is retired).";

    static bool IsKnownKind(string? kind) => kind is null or UserAgentMatcher.Substring or UserAgentMatcher.Regex || UserAgentMatcher.Kinds.Contains(kind);

    static string EffectiveKind(string? kind) => kind ?? UserAgentMatcher.Contains;

    public static IEnumerable<FieldError> Check(string? list, string? kind, string? pattern)
    {
        if (list is not (Allow or Deny))
            yield return new("list", ListMessage);
        if (!IsKnownKind(kind))
            yield return new("kind", KindMessage);
        if (string.IsNullOrEmpty(pattern))
            yield return new("pattern", "'Pattern' must not be empty.");
        else if (IsKnownKind(kind))
        {
            var effective = EffectiveKind(kind);
            var problem = effective == UserAgentMatcher.Regex ? RegexProblem(pattern) : UserAgentMatcher.Check(effective, pattern);
            if (problem is not null)
                yield return new("pattern", "pattern " + problem);
        }
    }

    /// <summary>The glob a checked rule is stored as: a regex as the glob it equals.</summary>
    public static string Glob(string? kind, string pattern) => EffectiveKind(kind) == UserAgentMatcher.Regex
        ? LegacyRegex.ToGlob(pattern).Glob!
        : UserAgentMatcher.Compile(EffectiveKind(kind), pattern);

    static string? RegexProblem(string pattern)
    {
        if (pattern.Length > UserAgentMatcher.MaxPatternLength * 2)
            return $"must be at most {UserAgentMatcher.MaxPatternLength * 2} characters.";
        var (glob, nearest) = LegacyRegex.ToGlob(pattern);
        if (glob is null)
            return "is a regex without an exact User-Agent matcher equivalent; the edge no longer runs regexes (they backtrack). "
                + (nearest is null ? "Write it as contains, prefix, exact or wildcard rules (one rule per alternative)." : $"The nearest wildcard form is '{nearest}' (kind wildcard; it matches more, never less).");
        return UserAgentMatcher.Check(UserAgentMatcher.Wildcard, glob);
    }
}
