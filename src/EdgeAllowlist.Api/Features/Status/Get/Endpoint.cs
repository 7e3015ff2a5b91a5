using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Status.Get;

sealed class Endpoint(StoreWriter writer, IDatabase database) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/status");
        Permissions(ApiScopes.RulesRead);
        Summary(s => s.Summary = "Keys, bytes used of the 5 MB quota, ETag, last change, and drift: whether the store was changed outside this service (such changes are recorded in the audit trail as kvs.external-change).");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var drifted = await writer.CheckDriftAsync(ct);
        var state = await writer.GetStateAsync(ct);
        var origins = state.Items.Keys.Count(k => k.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal));
        var secrets = state.Items.Keys.Count(k => k.StartsWith(KvsLayout.SecretPrefix, StringComparison.Ordinal));
        await Send.OkAsync(new(
            state.Items.Count,
            state.TotalBytes,
            KvsLimits.MaxStoreBytes,
            Math.Round(100.0 * state.TotalBytes / KvsLimits.MaxStoreBytes, 2),
            state.ETag,
            state.LastChange,
            drifted ? "external-change-recorded" : "in-sync",
            state.Items.ContainsKey(KvsLayout.ConfigKey),
            origins,
            secrets,
            database.Provider), ct);
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
    bool PolicyPresent,
    int Origins,
    int Secrets,
    string Database);
