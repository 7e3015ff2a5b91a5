using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules;
using EdgeAllowlist.Rules.Settings;

namespace EdgeAllowlist.Api.Features.Settings;

/// <summary>
/// The settings an admin edits, as they sit in the <c>cfg</c> key (function/README.md §2): the API's
/// view of <see cref="PolicySettings"/>, whose reading and writing of <c>cfg</c> it uses.
/// </summary>
sealed record EdgePolicy(
    string Mode,
    string NoOrigin,
    IReadOnlyList<string> PublicPaths,
    string SecretMarker,
    int WildcardDepth,
    int DenyStatus,
    string FailPolicy,
    bool RevealReason,
    bool LogDenials)
{
    public static readonly string[] Modes = PolicySettings.Modes;
    public static readonly string[] NoOriginPolicies = PolicySettings.NoOriginPolicies;
    public static readonly int[] DenyStatuses = PolicySettings.DenyStatuses;
    public static readonly string[] FailPolicies = PolicySettings.FailPolicies;

    /// <summary>Reads <c>cfg</c>; members that are absent take the contract's defaults.</summary>
    public static EdgePolicy From(string? cfg) => Of(PolicySettings.From(cfg));

    public static EdgePolicy Of(PolicySettings p) =>
        new(p.Mode, p.NoOrigin, p.PublicPaths, p.SecretMarker, p.WildcardDepth, p.DenyStatus, p.FailPolicy, p.RevealReason, p.LogDenials);

    public PolicySettings ToRules() =>
        new(Mode, NoOrigin, PublicPaths, SecretMarker, WildcardDepth, DenyStatus, FailPolicy, RevealReason, LogDenials);

    /// <summary>Writes this policy over <paramref name="cfg"/>, keeping what it does not own (<see cref="PolicySettings.MergeInto"/>).</summary>
    public string MergeInto(string? cfg) => ToRules().MergeInto(cfg);

    /// <summary>
    /// <see cref="MergeInto"/>, refused before anything is written when the value would pass the 1 KB
    /// limit; public paths are the only setting that can grow it that far, so <paramref name="publicPathsField"/> is named.
    /// </summary>
    public string MergeIntoWithinQuota(string? cfg, string publicPathsField)
    {
        try
        {
            return ToRules().MergeIntoWithinQuota(cfg, publicPathsField);
        }
        catch (RuleViolationException e)
        {
            throw new MutationRejectedException(400, e.Field, e.Message);
        }
    }
}
