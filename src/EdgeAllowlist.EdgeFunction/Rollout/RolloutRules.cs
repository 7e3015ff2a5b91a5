using EdgeAllowlist.Rules.Origins;
using EdgeAllowlist.Rules.UserAgents;

namespace EdgeAllowlist.EdgeFunction.Rollout;

/// <summary>
/// The project's own rules for the rollout engine, so the CLI and the API judge alike: origins through
/// the origin rules (UTS #46, the Public Suffix List) and User-Agent patterns through the single-rule
/// rules (EdgeAllowlist.Rules). A candidate document is compiled by EdgeAllowlist.Rules.DesiredState.
/// </summary>
public sealed class RolloutRules : IRolloutRules
{
    public static RolloutRules Instance { get; } = new();

    public string? AddableOrigin(string origin) => OriginName.TryNormalize(origin, out var normalized, out _) ? normalized : null;

    public bool AddableWildcard(string wildcardOrigin) => OriginName.TryNormalize(wildcardOrigin, out var normalized, out _) && normalized.Contains("://*.", StringComparison.Ordinal);

    public bool AddableUserAgentSubstring(string pattern) => !UserAgentRuleRules.Check(UserAgentRuleRules.Allow, UserAgentMatcher.Substring, pattern).Any();
}
