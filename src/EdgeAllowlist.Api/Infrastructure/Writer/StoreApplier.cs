using System.Collections.Immutable;
using System.Diagnostics;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Observability;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>What a re-read found: whether someone else changed the store, and the audit entries of intents it found applied, by intent.</summary>
public sealed record SyncResult(bool DriftFound, IReadOnlyDictionary<string, IReadOnlyList<AuditEntry>> Recovered);

/// <summary>
/// The writer's I/O with the store: UpdateKeys calls with If-Match, the re-reads after them, and
/// what each outcome means for the audit trail and the mirror. It keeps the state the writer plans
/// against (<see cref="State"/>). The store is called only as its one writer
/// (<see cref="IDatabase.StoreLockedAsync{T}"/>) and never inside a transaction; each outcome is then
/// recorded in one short transaction. Used only from the writer's loop, one call at a time.
/// </summary>
public sealed class StoreApplier(
    IKeyValueStore store,
    IDatabase database,
    MirrorRepository mirror,
    AuditTrail audit,
    ApiMetrics metrics,
    RetryPolicy policy,
    TimeProvider time,
    ILogger<StoreApplier> logger)
{
    public const string ExternalActor = "kvs-external";

    volatile StoreState state = StoreState.Empty;

    /// <summary>The last state the writer saw; reads of rules are served from it (the store is the truth, this is its mirror).</summary>
    public StoreState State => state;

    /// <summary>The journal entry for <paramref name="chunk"/>, planned against the current state.</summary>
    public WriteIntent IntentFor(PlannedWrite[] chunk) =>
        new(Guid.NewGuid().ToString("N"), state.ETag ?? throw KvsException.Conflict("The store has not been read yet."), [.. chunk.Select(w => new IntentWrite(
            w.Write.Key, w.Write.Value, w.Before, w.Owner.Actor.Name, w.Write.Action, w.Write.Target, w.Owner.Actor.RequestId, w.Owner.Actor.Client))]);

    /// <summary>
    /// Records <paramref name="intent"/> in the journal, sends its chunk and, once the store took it,
    /// audits it and saves it in the mirror. A store error that leaves open whether the write landed
    /// carries <see cref="KvsException.MayHaveBeenApplied"/>, and the intent stays in the journal for
    /// the next re-read; any other store error means nothing was written.
    /// </summary>
    public async Task<IReadOnlyList<AuditEntry>> WriteAsync(PlannedWrite[] chunk, WriteIntent intent, CancellationToken cancellationToken)
    {
        await mirror.RecordIntentAsync(intent, time.GetUtcNow(), cancellationToken);
        var acknowledged = Stopwatch.StartNew();
        var ambiguous = false;
        try
        {
            var entries = await database.StoreLockedAsync(async () =>
            {
                // Another instance sharing this database may have written since: then our plan is stale.
                if (await mirror.ReadETagAsync(cancellationToken) != intent.ETagBefore)
                    throw KvsException.Conflict("Another instance wrote to the store since this plan was made.");
                WriteResult result;
                IReadOnlyList<KeyChange> external = [];
                string? detail = null;
                try
                {
                    result = await store.UpdateKeysAsync(intent.ETagBefore,
                        [.. chunk.Where(w => w.Write.Value is not null).Select(w => new KeyValueItem(w.Write.Key, w.Write.Value!))],
                        [.. chunk.Where(w => w.Write.Value is null).Select(w => w.Write.Key)], cancellationToken);
                }
                catch (KvsException e) when (e.MayHaveBeenApplied)
                {
                    // No definite answer, then a retry that failed: find out whether our write landed.
                    ambiguous = true;
                    (result, external) = await RecoverAsync(intent, e, cancellationToken);
                    detail = WriteIntent.RecoveryDetail;
                }
                acknowledged.Restart();
                metrics.BatchWritten();
                metrics.KeysWritten(chunk.Length);
                return await RecordAppliedAsync(chunk, intent.ETagBefore, result, external, detail, cancellationToken);
            }, cancellationToken);
            metrics.AuditLag(acknowledged.Elapsed);
            return entries;
        }
        catch (KvsException e) when (ambiguous && !e.MayHaveBeenApplied)
        {
            // The re-read after an unanswered write failed in turn: whether it landed is still open.
            throw new KvsException(e.Kind, e.ErrorCode, e.Message, e.StatusCode, e.RequestId, e) { MayHaveBeenApplied = true };
        }
        catch (KvsException e) when (!e.MayHaveBeenApplied)
        {
            await mirror.ForgetIntentAsync(intent);
            throw;
        }
    }

    async Task<IReadOnlyList<AuditEntry>> RecordAppliedAsync(PlannedWrite[] chunk, string etagBefore, WriteResult result, IReadOnlyList<KeyChange> external, string? detail, CancellationToken cancellationToken)
    {
        var records = chunk.Select(w => new AuditRecord(
            w.Owner.Actor.Name, w.Write.Action, w.Write.Target, AuditOutcome.Success, w.Before, w.Write.Value,
            w.Owner.Actor.RequestId, w.Owner.Actor.Client, etagBefore, result.ETag, w.Write.Detail is null ? detail : detail is null ? w.Write.Detail : $"{w.Write.Detail}; {detail}")).ToList();
        var appended = await database.WriteLockedAsync(async (connection, transaction) =>
        {
            await AuditExternalAsync(connection, transaction, external, etagBefore, result.ETag, cancellationToken);
            var appended = await audit.AppendAsync(connection, transaction, records, cancellationToken);
            await MirrorRepository.SaveAsync(connection, transaction, external.Select(c => (c.Key, c.After)).Concat(chunk.Select(w => (w.Write.Key, w.Write.Value))),
                result.ETag, time.GetUtcNow(), cancellationToken);
            await MirrorRepository.DeleteStaleIntentsAsync(connection, transaction, result.ETag, cancellationToken);
            return appended;
        }, cancellationToken);
        var items = state.Items;
        foreach (var change in external)
            items = change.After is { } value ? items.SetItem(change.Key, value) : items.Remove(change.Key);
        foreach (var w in chunk)
            items = w.Write.Value is null ? items.Remove(w.Write.Key) : items.SetItem(w.Write.Key, w.Write.Value);
        state = new(items, result.TotalSizeInBytes, result.ETag, time.GetUtcNow());
        return appended;
    }

    /// <summary>
    /// After an ambiguous write: if the store now holds every key of the chunk as planned, the write
    /// landed and is acknowledged as ours, with whatever else changed as external changes to audit;
    /// otherwise the original failure stands.
    /// </summary>
    async Task<(WriteResult Result, IReadOnlyList<KeyChange> External)> RecoverAsync(WriteIntent intent, KvsException failure, CancellationToken cancellationToken)
    {
        var (items, etag) = await ReadWholeStoreAsync((await store.DescribeAsync(cancellationToken)).ETag, cancellationToken);
        var observed = StoreState.Of(items, etag, time.GetUtcNow());
        var outcome = Reconciler.Reconcile(state, observed, [intent]);
        if (outcome.Applied != intent)
            throw failure;
        logger.LogWarning("A write got no definite answer but is in the store; acknowledging it ({Others} other keys changed outside)", outcome.External.Count);
        return (new(etag, observed.Items.Count, observed.TotalBytes), outcome.External);
    }

    Task<IReadOnlyList<AuditEntry>> AuditExternalAsync(DbConnection connection, DbTransaction transaction, IEnumerable<KeyChange> external, string? etagBefore, string etagAfter,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? forgedClaims = null) =>
        audit.AppendAsync(connection, transaction, [.. external.Select(c => new AuditRecord(ExternalActor, AuditActions.ExternalChange, c.Key, AuditOutcome.Detected,
            c.Before, c.After, ETagBefore: etagBefore, ETagAfter: etagAfter,
            Detail: forgedClaims?.GetValueOrDefault(c.Key) is { } claimed ? string.Format(System.Globalization.CultureInfo.InvariantCulture, WriteIntent.ForgedDetail, claimed) : null))], cancellationToken);

    /// <summary>True when the store (or the shared mirror) is at another ETag than the state the writer plans against.</summary>
    public async Task<bool> IsStaleAsync(CancellationToken cancellationToken) =>
        (mirror.IsShared && await mirror.ReadETagAsync(cancellationToken) != state.ETag)
        || (await store.DescribeAsync(cancellationToken)).ETag != state.ETag;

    /// <summary>
    /// Brings the state up to date: first with what other instances recorded in the database, then
    /// with the store itself, through <see cref="Reconciler.Reconcile"/>: intents found applied are
    /// audited for their requesters, whatever else differs was written outside this service and is
    /// audited as an external change. The store is read before the transaction that records the
    /// outcome, never inside it.
    /// </summary>
    public Task<SyncResult> SyncAsync(CancellationToken cancellationToken) =>
        database.StoreLockedAsync(async () =>
        {
            var databaseETag = await mirror.ReadETagAsync(cancellationToken);
            var description = await store.DescribeAsync(cancellationToken);
            if (description.ETag == databaseETag && databaseETag == state.ETag && state.ETag is not null)
                return new SyncResult(false, ImmutableDictionary<string, IReadOnlyList<AuditEntry>>.Empty);
            // The mirror already holds what the store holds (another instance wrote and saved it): loading it is enough.
            var read = description.ETag == databaseETag ? ((ImmutableSortedDictionary<string, string> Items, string ETag)?)null : await ReadWholeStoreAsync(description.ETag, cancellationToken);
            var (synced, result) = await database.WriteLockedAsync(async (connection, transaction) =>
            {
                var recovered = new Dictionary<string, IReadOnlyList<AuditEntry>>();
                var mirrorETag = await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken);
                var known = mirrorETag == state.ETag && state.ETag is not null ? state : await MirrorRepository.LoadAsync(connection, transaction, mirrorETag, cancellationToken);
                if (read is not { } current || current.ETag == known.ETag)
                    return (known, new SyncResult(false, recovered));
                var (items, etag) = current;
                var observed = StoreState.Of(items, etag, time.GetUtcNow());
                var (journal, forged) = await mirror.ReadJournalAsync(connection, transaction, cancellationToken);
                var outcome = Reconciler.Reconcile(known, observed, journal);
                if (outcome.Applied is { } applied)
                {
                    recovered[applied.Id] = await audit.AppendAsync(connection, transaction, [.. applied.Writes.Select(w => new AuditRecord(w.Actor, w.Action, w.Target, AuditOutcome.Success,
                        w.Before, w.Value, w.RequestId, w.Client, known.ETag, etag, WriteIntent.RecoveryDetail))], cancellationToken);
                    logger.LogWarning("A write whose answer was lost is in the store; audited for its requester ({Count} keys)", applied.Writes.Count);
                }
                // A journal row this service did not sign is no one's request: its change stays external, and the entry says whom the row named.
                var claims = forged.SelectMany(i => i.Writes).GroupBy(w => w.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Actor, StringComparer.Ordinal);
                if (forged.Count > 0)
                    logger.LogError("{Count} write-journal rows do not carry this service's signature; their changes are audited as external", forged.Count);
                await AuditExternalAsync(connection, transaction, outcome.External, known.ETag, etag, cancellationToken, claims);
                var changes = outcome.Changes(known).ToList();
                await MirrorRepository.SaveAsync(connection, transaction, changes.Select(c => (c.Key, c.After)), etag, time.GetUtcNow(), cancellationToken);
                await MirrorRepository.ForgetIntentsAsync(connection, transaction, [.. outcome.Applied is null ? outcome.Dead : [outcome.Applied, .. outcome.Dead], .. forged], cancellationToken);
                if (outcome.External.Count > 0)
                    logger.LogWarning("The store was changed outside this service: {Count} keys differ; recorded as external changes", outcome.External.Count);
                return (observed with { LastChange = changes.Count > 0 ? time.GetUtcNow() : known.LastChange }, new SyncResult(outcome.External.Count > 0, recovered));
            }, cancellationToken);
            state = synced;
            return result;
        }, cancellationToken);

    async Task<(ImmutableSortedDictionary<string, string> Items, string ETag)> ReadWholeStoreAsync(string etag, CancellationToken cancellationToken)
    {
        // ListKeys carries no ETag, so read until the ETag is the same before and after the listing.
        for (var listing = 1; ; listing++)
        {
            var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var item in await store.ReadAllAsync(cancellationToken))
                builder[item.Key] = item.Value;
            var after = (await store.DescribeAsync(cancellationToken)).ETag;
            if (after == etag)
                return (builder.ToImmutable(), after);
            // Still moving after the last listing: pair the items with the ETag from before it, never
            // the newer ETag, so a change the listing missed shows as drift next time.
            if (listing >= policy.Limits.MaxListings)
                return (builder.ToImmutable(), etag);
            etag = after;
        }
    }
}
