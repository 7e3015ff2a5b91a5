namespace EdgeAllowlist.Api.Infrastructure.Audit;

/// <summary>
/// The one vocabulary of audit actions. An entry about an item (an origin, <c>cfg</c>, a User-Agent
/// rule, named <c>ua/&lt;list&gt;/&lt;kind&gt;/&lt;pattern&gt;</c>) says what happened to that item, whichever path did it: a single route, desired-state apply
/// or rollback (whose entries share the request id of their <see cref="DesiredStateApply"/> or
/// <see cref="DesiredStateRollback"/> summary), a recovered write. So <c>?target=</c> and
/// <c>?action=</c> together find an item's history of one kind across every route.
/// </summary>
public static class AuditActions
{
    public const string OriginAdd = "origin.add";
    public const string OriginDelete = "origin.delete";
    public const string OriginExpiry = "origin.expiry";
    public const string OriginNote = "origin.note";
    public const string UserAgentAdd = "ua.add";
    public const string UserAgentDelete = "ua.delete";
    /// <summary>The User-Agent rules replaced as a whole (desired-state apply or rollback).</summary>
    public const string UserAgentUpdate = "ua.update";
    public const string SettingsUpdate = "settings.update";
    public const string SettingsInitialize = "settings.initialize";
    public const string PartnerCreate = "partner.create";
    public const string SecretCreate = "secret.create";
    public const string SecretRotate = "secret.rotate";
    public const string SecretRotateOut = "secret.rotate-out";
    public const string SecretRevoke = "secret.revoke";
    /// <summary>A rotation undone: the secret it issued deleted, the ones it rotated out given their value back.</summary>
    public const string SecretRotationUndo = "secret.rotation-undo";
    public const string SecretSweep = "secret.sweep";
    public const string ExpectationAdd = "expectation.add";
    public const string ExpectationDelete = "expectation.delete";
    public const string ExpectationMute = "expectation.mute";
    public const string ExpectationUnmute = "expectation.unmute";
    public const string TokenBootstrap = "token.bootstrap";
    public const string TokenCreate = "token.create";
    public const string TokenRevoke = "token.revoke";
    public const string TokenReset = "token.reset";
    public const string AuthDenied = "auth.denied";
    public const string RequestRejected = "request.rejected";
    /// <summary>One summary entry per apply (target <c>desired-state</c>): counts and digests.</summary>
    public const string DesiredStateApply = "desired-state.apply";
    /// <summary>One summary entry per rollback (target <c>desired-state</c>).</summary>
    public const string DesiredStateRollback = "desired-state.rollback";
    /// <summary>A store change made outside this service, found by a re-read.</summary>
    public const string ExternalChange = "kvs.external-change";
    /// <summary>A database mirror row that differed from the store, restored from it.</summary>
    public const string MirrorDrift = "mirror.drift";

    /// <summary>The trail re-hashed over the columns it lists (<see cref="AuditRechain"/>), once; holds the old head.</summary>
    public const string AuditRechain = "audit.rechain";
    /// <summary>An acknowledged value written back to a rolled-back store (<c>admin accept-store-rollback --reapply</c>).</summary>
    public const string RollbackReapply = "kvs.rollback-reapply";
    /// <summary>An acknowledged value a rolled-back store lost, accepted by the operator (<c>admin accept-store-rollback --accept-loss</c>).</summary>
    public const string RollbackAccept = "kvs.rollback-accept";

    /// <summary>The target of the desired-state summary entries.</summary>
    public const string DesiredStateTarget = "desired-state";

    public static readonly IReadOnlyList<string> All =
    [
        OriginAdd, OriginDelete, OriginExpiry, OriginNote, UserAgentAdd, UserAgentDelete, UserAgentUpdate, SettingsUpdate, SettingsInitialize,
        PartnerCreate, SecretCreate, SecretRotate, SecretRotateOut, SecretRevoke, SecretRotationUndo, SecretSweep,
        ExpectationAdd, ExpectationDelete, ExpectationMute, ExpectationUnmute, TokenBootstrap, TokenCreate, TokenRevoke, TokenReset,
        AuthDenied, RequestRejected, DesiredStateApply, DesiredStateRollback, ExternalChange, MirrorDrift, AuditRechain, RollbackReapply, RollbackAccept,
    ];

    /// <summary>
    /// The actions a family filter names (<c>secret.*</c>: every action that starts with <c>secret.</c>),
    /// or null when <paramref name="filter"/> is a single action (or none).
    /// </summary>
    public static IReadOnlyList<string>? Family(string? filter) =>
        filter is { Length: > 2 } && filter.EndsWith(".*", StringComparison.Ordinal)
            ? [.. All.Where(a => a.StartsWith(filter[..^1], StringComparison.Ordinal))]
            : null;

    /// <summary>What a write of an origin's key did: added it, deleted it, or changed its expiry.</summary>
    public static string ForOrigin(string? before, string? after) => before is null ? OriginAdd : after is null ? OriginDelete : OriginExpiry;
}
