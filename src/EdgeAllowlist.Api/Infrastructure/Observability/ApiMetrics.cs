using System.Diagnostics.Metrics;

namespace EdgeAllowlist.Api.Infrastructure.Observability;

/// <summary>The service's own instruments, exported for Prometheus at <c>/metrics</c>.</summary>
public sealed class ApiMetrics
{
    public const string MeterName = "EdgeAllowlist.Api";

    readonly Counter<long> writes;
    readonly Counter<long> batches;
    readonly Counter<long> conflicts;
    readonly Counter<long> retries;
    readonly Counter<long> listings;
    readonly Counter<long> rejections;
    readonly Counter<long> auditEntries;
    readonly Histogram<double> auditLag;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        writes = meter.CreateCounter<long>("edge_allowlist.writes", "{key}", "Keys written to the KVS (puts and deletes).");
        batches = meter.CreateCounter<long>("edge_allowlist.batches", "{call}", "UpdateKeys calls that succeeded.");
        conflicts = meter.CreateCounter<long>("edge_allowlist.conflicts", "{conflict}", "UpdateKeys calls refused because the ETag had moved.");
        retries = meter.CreateCounter<long>("edge_allowlist.retries", "{retry}", "Batches re-planned and sent again after a conflict or a transient error.");
        rejections = meter.CreateCounter<long>("edge_allowlist.rejections", "{request}", "Requests refused: validation, quota, authentication or scope.");
        listings = meter.CreateCounter<long>("edge_allowlist.store.listings", "{listing}", "Whole-store listings (ListKeys page by page): at start, in the background re-read after an external edit, and after an unanswered write; a write after an external edit reads only its keys.");
        auditEntries = meter.CreateCounter<long>("edge_allowlist.audit.entries", "{entry}", "Entries appended to the audit trail.");
        auditLag = meter.CreateHistogram<double>("edge_allowlist.audit.lag", "s", "Time from the KVS acknowledging a write to its audit entries being committed.");
    }

    public void KeysWritten(int count) => writes.Add(count);

    public void BatchWritten() => batches.Add(1);

    public void Conflict() => conflicts.Add(1);

    public void Retry() => retries.Add(1);

    public void StoreListed() => listings.Add(1);

    public void Rejected(string reason) => rejections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void AuditEntriesAppended(int count) => auditEntries.Add(count);

    public void AuditLag(TimeSpan lag) => auditLag.Record(lag.TotalSeconds);
}
