using EdgeAllowlist.Api.Features.Expectations;
using EdgeAllowlist.Api.Features.Settings;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Integrity;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Status.Get;

sealed class Endpoint(StoreWriter writer, IDatabase database, IntegrityMonitor integrity, AuditVerifier audit, ExpectationStore expectations, ExpectationChecks checks) : EndpointWithoutRequest<Response>
{
    /// <summary>Unmanaged keys named in the answer; the count covers them all.</summary>
    const int UnmanagedSample = 10;

    public override void Configure()
    {
        Get("/status");
        Permissions(ApiScopes.RulesRead);
        Summary(s => s.Summary = "Keys, bytes used of the 5 MB quota, ETag, last change, keys this service does not manage (unmanagedKeys, the first 10 in unmanagedKeySample: another tool writes the same store), drift (external-change-recorded: the store was changed outside this service, audited as kvs.external-change; drifted: the database mirror differed from the store, or a mirror row failed the mirror's seal, driftedKeys, audited once as mirror.drift and restored from the store), the audit trail as last verified in full (auditChain valid, broken or unchecked; the same verification as GET /v1/audit/verify, whichever ran last), the date of the Public Suffix List wildcard origins are checked against (publicSuffixListDate; scripts/refresh-psl.sh refreshes it), and warnings about the policy in force (native players without Origin denied, report mode blocking nothing) and one per expectation that fails on the store now (expectationsFailing of expectationsChecked; muted built-ins are not counted).");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var drifted = await writer.CheckDriftAsync(ct);
        var report = integrity.Report;
        var state = await writer.GetStateAsync(ct);
        var origins = state.Items.Keys.Count(k => k.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal));
        var secrets = state.Items.Keys.Count(k => k.StartsWith(KvsLayout.SecretPrefix, StringComparison.Ordinal));
        var unmanaged = state.Items.Keys.Where(k => !KvsLayout.IsManaged(k)).ToList();
        // Mirror rows that failed their seal when loaded count as drift until a later full comparison finds the mirror in sync.
        var tampered = writer.Tamper is { } tamper && (report.MirrorCheckedAt is null || tamper.FoundAt > report.MirrorCheckedAt || report.Mirror == IntegrityReport.Drifted) ? tamper.Keys : [];
        var checkedNow = checks.EvaluateAll(await expectations.ReadAsync(ct), state.Items).Where(e => e.Muted is null).ToList();
        var failing = checkedNow.Where(e => !e.Result.Holds).ToList();
        await Send.OkAsync(new(
            state.Items.Count,
            state.TotalBytes,
            KvsLimits.MaxStoreBytes,
            Math.Round(100.0 * state.TotalBytes / KvsLimits.MaxStoreBytes, 2),
            state.ETag,
            state.LastChange,
            report.Mirror == IntegrityReport.Drifted || tampered.Count > 0 ? IntegrityReport.Drifted : drifted ? "external-change-recorded" : "in-sync",
            [.. report.DriftedKeys.Union(tampered, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            report.MirrorCheckedAt,
            state.Items.ContainsKey(KvsLayout.ConfigKey),
            origins,
            secrets,
            unmanaged.Count,
            [.. unmanaged.Take(UnmanagedSample)],
            database.Provider,
            audit.Last is not { } verified ? IntegrityReport.Unchecked : verified.Valid ? IntegrityReport.Valid : IntegrityReport.Broken,
            audit.Last?.Entries ?? 0,
            audit.Last?.FirstInvalidSeq,
            audit.Last?.Problems.Count ?? 0,
            audit.Last?.SignedThrough ?? 0,
            audit.Last?.VerifiedAt,
            checkedNow.Count,
            failing.Count,
            [.. Warnings(state.Items), .. failing.Select(ExpectationWarning)],
            EdgeAllowlist.Rules.Origins.PublicSuffixList.Embedded.ListDate), ct);
    }

    /// <summary>
    /// What the policy in force does that an operator who has not chosen it would not expect. A fresh
    /// install enforces (a forgotten install must not leave the origin open), so the surprise it can
    /// hold is native players (AppleCoreMedia, ExoPlayer, smart TVs), which send no Origin: with
    /// noOrigin "ua" and no allow rule, or noOrigin "deny", every one of them is denied.
    /// </summary>
    public static IReadOnlyList<string> Warnings(IReadOnlyDictionary<string, string> items)
    {
        var warnings = new List<string>();
        if (!items.TryGetValue(KvsLayout.ConfigKey, out var cfg))
            return warnings;
        var policy = EdgePolicy.From(cfg);
        var allowRules = UserAgentRules.Read(items).Count(r => r.List == UserAgentRule.Allow);
        if (policy.Mode == "enforce" && (policy.NoOrigin == "deny" || policy.NoOrigin == "ua" && allowRules == 0))
            warnings.Add(NativePlayersDenied + (policy.NoOrigin == "deny"
                ? " (noOrigin is deny)."
                : " (noOrigin is ua and there is no User-Agent allow rule)."));
        if (UserAgentRules.Read(items).Where(r => r.Glob is null).Select(r => r.Pattern).ToList() is { Count: > 0 } regexes)
            warnings.Add($"USER-AGENT REGEXES THE EDGE NO LONGER RUNS: {string.Join(", ", regexes.Select(r => $"'{r}'"))} (a store of cfg schema 1). "
                + "The function treats such a shard as an error under the fail policy, and every User-Agent change is refused until they are replaced (GET /v1/user-agents shows the nearest wildcard form of each).");
        if (policy.Mode == "report")
            warnings.Add(ReportMode);
        if (policy.Mode == "off")
            warnings.Add("mode is off: the function lets every request through and logs nothing.");
        return warnings;
    }

    /// <summary>An expectation that fails now (someone edited the store directly, a forced write, an expiry): named, with what the function answers.</summary>
    public static string ExpectationWarning(Evaluated e) =>
        $"{ExpectationFails}{e.Expectation.Name}: expected {e.Expectation.Expect}{(e.Expectation.Reason is { } r ? $" ({r})" : "")}, the function answers {e.Result.Decision} — {e.Expectation.Description}.";

    public const string ExpectationFails = "EXPECTATION FAILS: ";

    public const string NativePlayersDenied =
        "NATIVE PLAYERS WITHOUT ORIGIN ARE DENIED: AppleCoreMedia (Safari/iOS native HLS), ExoPlayer and smart TVs send no Origin or Referer, and the policy in force answers them 403. Allow their User-Agents (POST /v1/user-agents, list allow), or run mode report first and let rollout analyze say which";

    public const string ReportMode =
        "mode is report: nothing is blocked; each would-be denial is logged. Analyse the log (POST /v1/rollout/analyze, edge-allowlist rollout analyze), replay the candidate rules, then switch to enforce.";
}

sealed record Response(
    long Keys,
    long Bytes,
    long QuotaBytes,
    double PercentUsed,
    string? ETag,
    DateTimeOffset? LastChange,
    string Drift,
    IReadOnlyList<string> DriftedKeys,
    DateTimeOffset? MirrorCheckedAt,
    bool PolicyPresent,
    int Origins,
    int Secrets,
    int UnmanagedKeys,
    IReadOnlyList<string> UnmanagedKeySample,
    string Database,
    string AuditChain,
    long AuditVerifiedThrough,
    long? AuditFirstInvalidSeq,
    int AuditProblems,
    long AuditSignedThrough,
    DateTimeOffset? AuditVerifiedAt,
    int ExpectationsChecked,
    int ExpectationsFailing,
    IReadOnlyList<string> Warnings,
    DateOnly? PublicSuffixListDate);
