using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Integrity;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Status.Get;

sealed class Endpoint(StoreWriter writer, IDatabase database, IntegrityMonitor integrity) : EndpointWithoutRequest<Response>
{
    /// <summary>Unmanaged keys named in the answer; the count covers them all.</summary>
    const int UnmanagedSample = 10;

    public override void Configure()
    {
        Get("/status");
        Permissions(ApiScopes.RulesRead);
        Summary(s => s.Summary = "Keys, bytes used of the 5 MB quota, ETag, last change, keys this service does not manage (unmanagedKeys, the first 10 in unmanagedKeySample: another tool writes the same store), drift (external-change-recorded: the store was changed outside this service, audited as kvs.external-change; drifted: the database mirror differed from the store, driftedKeys, audited as mirror.drift and restored from the store), and the audit chain as last verified.");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var drifted = await writer.CheckDriftAsync(ct);
        var report = integrity.Report;
        var state = await writer.GetStateAsync(ct);
        var origins = state.Items.Keys.Count(k => k.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal));
        var secrets = state.Items.Keys.Count(k => k.StartsWith(KvsLayout.SecretPrefix, StringComparison.Ordinal));
        var unmanaged = state.Items.Keys.Where(k => !KvsLayout.IsManaged(k)).ToList();
        await Send.OkAsync(new(
            state.Items.Count,
            state.TotalBytes,
            KvsLimits.MaxStoreBytes,
            Math.Round(100.0 * state.TotalBytes / KvsLimits.MaxStoreBytes, 2),
            state.ETag,
            state.LastChange,
            report.Mirror == IntegrityReport.Drifted ? IntegrityReport.Drifted : drifted ? "external-change-recorded" : "in-sync",
            report.DriftedKeys,
            report.MirrorCheckedAt,
            state.Items.ContainsKey(KvsLayout.ConfigKey),
            origins,
            secrets,
            unmanaged.Count,
            [.. unmanaged.Take(UnmanagedSample)],
            database.Provider,
            report.AuditChain,
            report.AuditVerifiedThrough,
            report.AuditFirstInvalidSeq), ct);
    }
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
    long? AuditFirstInvalidSeq);
