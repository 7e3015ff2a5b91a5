using EdgeAllowlist.Rules.Expectations;
using EdgeAllowlist.Rules.Settings;

namespace EdgeAllowlist.Rules.DesiredState;

/// <summary>
/// A desired-state document (the rules as a file a team keeps in Git) as the rules read it: the same
/// members as the API's <c>/v1/desired-state</c> body. A section left out (null) is not managed; a
/// section given is the whole of it. Secrets are never desired state, so there is no place for them.
/// </summary>
public sealed record DesiredDocument(
    int Version,
    IReadOnlyList<DesiredOrigin?>? Origins,
    IReadOnlyList<DesiredUserAgent?>? UserAgents,
    SettingsChange? Settings,
    IReadOnlyList<DesiredPartner?>? Partners,
    IReadOnlyList<DesiredExpectation?>? Expectations = null)
{
    public const int CurrentVersion = 1;

    /// <summary>
    /// Origins one document may list. A document describes the whole rule set, so it must fit every
    /// store an export can produce: the store's 5 MB holds about 160,000 origins with short names
    /// (about 32 bytes of key and value each). Larger than the bulk route's cap, which is per request.
    /// </summary>
    public const int MaxOrigins = 200_000;
}

/// <summary>An allowed origin; <see cref="ExpiresAt"/> null means permanent.</summary>
public sealed record DesiredOrigin(string? Origin, DateTimeOffset? ExpiresAt, string? Note);

/// <summary>A User-Agent rule as the single-rule route takes it: list allow|deny, kind contains|prefix|exact|wildcard.</summary>
public sealed record DesiredUserAgent(string? List, string? Kind, string? Pattern);

public sealed record DesiredPartner(string? Id, string? Scope, string? Description);

public sealed record DesiredExpectation(string? Name, ProbeRequest? Request, string? Expect, string? Reason = null);
