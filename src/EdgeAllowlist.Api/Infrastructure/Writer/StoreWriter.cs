using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Api.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

public sealed class WriterOptions
{
    /// <summary>Keys per UpdateKeys call; KVS allows 50, some accounts were seen to refuse more than 32.</summary>
    public int MaxKeysPerBatch { get; set; } = KvsLimits.MaxKeysPerUpdate;

    /// <summary>How many times one batch is re-planned after the store's ETag moved under it.</summary>
    public int MaxConflictRetries { get; set; } = 5;

    /// <summary>How many times a re-read after a failed write is tried before the batch fails with the re-read's error.</summary>
    public int MaxReadAttempts { get; set; } = 4;

    /// <summary>How long a request waits for a writer that has not read the store yet before it is answered 503.</summary>
    public TimeSpan StartWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The one backoff of the writer: 200 ms, 400 ms, 800 ms, then 1.6 s and at most 2 s between attempts.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Clamp(attempt, 1, 5)));
}

/// <summary>
/// The one writer of the store. Every change goes through its queue; changes that arrive together
/// are planned against the same state and sent as few UpdateKeys calls as the 50-key limit allows,
/// each with If-Match. A conflict means someone else wrote: the writer re-reads, records what it
/// did not write as an external change, re-plans and sends again. A change is acknowledged only
/// after its keys are in the store and its audit entries are committed. Each chunk is recorded as a
/// <see cref="WriteIntent"/> before it is sent, so a chunk whose answer was lost (crash, timeout,
/// dropped connection, 5xx after the store applied it) is audited for its requester when the next
/// re-read finds it in the store, and the request that sent it is answered with success.
/// </summary>
public sealed class StoreWriter(
    IKeyValueStore store,
    IDatabase database,
    MirrorRepository mirror,
    AuditTrail audit,
    ApiMetrics metrics,
    TimeProvider time,
    IOptions<WriterOptions> options,
    ILogger<StoreWriter> logger) : BackgroundService
{
    public const string ExternalActor = "kvs-external";
    public const string ExternalChangeAction = "kvs.external-change";
    const int MaxMutationsPerBatch = 500;

    readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new() { SingleReader = true });
    readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile StoreState state = StoreState.Empty;
    volatile Exception? startProblem;

    // Written and read only on the writer's loop: chunks of this round sent without a definite answer
    // (an earlier attempt of a change may land after a later one was planned), and intents the last
    // re-read found applied.
    readonly Dictionary<string, PlannedWrite[]> unanswered = [];
    readonly Dictionary<string, IReadOnlyList<AuditEntry>> recovered = [];

    /// <summary>The last state the writer saw; reads of rules are served from it (the store is the truth, this is its mirror).</summary>
    public async Task<StoreState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        await WaitStartedAsync(cancellationToken);
        // Instances sharing a PostgreSQL database share the snapshot: pick up what another one wrote.
        if (mirror.IsShared && await mirror.ReadETagAsync(cancellationToken) != state.ETag)
            await EnqueueAsync(new(new(ExternalActor, null, null), _ => [], syncFirst: true), cancellationToken);
        return state;
    }

    public bool IsStarted => started.Task.IsCompletedSuccessfully;

    public async Task<WriteOutcome> SubmitAsync(Actor actor, MutationPlan plan, CancellationToken cancellationToken = default) =>
        await EnqueueAsync(new(actor, plan, syncFirst: false), cancellationToken);

    /// <summary>Re-reads the store and records any change made outside this service (the status endpoint's drift check); true if there was one.</summary>
    public async Task<bool> CheckDriftAsync(CancellationToken cancellationToken = default)
    {
        var pending = new Pending(new(ExternalActor, null, null), _ => [], syncFirst: true);
        await EnqueueAsync(pending, cancellationToken);
        return pending.DriftFound;
    }

    /// <summary>Waits a bounded time for the first read of the store; a database or store still down by then is a 503 naming it, not a hung request.</summary>
    async Task WaitStartedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await started.Task.WaitAsync(options.Value.StartWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            var problem = startProblem;
            throw new Outages.DependencyUnavailableException(problem is DbException ? Outages.DependencyUnavailableException.Database : Outages.DependencyUnavailableException.Store,
                $"The service has not been able to read the store and its mirror since it started ({problem?.Message ?? "still starting"}).", problem);
        }
    }

    async Task<WriteOutcome> EnqueueAsync(Pending pending, CancellationToken cancellationToken)
    {
        await WaitStartedAsync(cancellationToken);
        await queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Completion.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SyncAsync(stoppingToken);
                // Without cfg the function denies everything: give it the contract's defaults before serving.
                await ProcessAsync([new(new("system", null, null), items => items.ContainsKey(KvsLayout.ConfigKey)
                    ? []
                    : [new KeyWrite(KvsLayout.ConfigKey, KvsLayout.DefaultConfig, "settings.initialize", KvsLayout.ConfigKey)], syncFirst: false)], stoppingToken);
                started.TrySetResult();
                startProblem = null;
                break;
            }
            catch (Exception e) when (e is KvsException or DbException or IOException)
            {
                startProblem = e;
                logger.LogWarning(e, "The store or the database is not reachable yet; retrying");
                await Task.Delay(WriterOptions.Backoff(attempt), time, stoppingToken);
            }
        }
        while (await queue.Reader.WaitToReadAsync(stoppingToken))
        {
            var batch = new List<Pending>();
            while (batch.Count < MaxMutationsPerBatch && queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            try
            {
                await ProcessAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "A write batch failed");
                foreach (var pending in batch)
                    pending.Completion.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// Sends a batch in rounds: one UpdateKeys call carries one value per key, so a change that
    /// touches a key an earlier change of its round writes (two User-Agent rules, two settings
    /// patches) waits for the next round and is planned against its result.
    /// </summary>
    async Task ProcessAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        for (var round = batch; round.Count > 0;)
        {
            var deferred = new List<Pending>();
            unanswered.Clear();
            try
            {
                await ProcessRoundAsync(round, deferred, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                foreach (var pending in round.Concat(deferred))
                    pending.Completion.TrySetException(e);
                throw;
            }
            round = deferred;
        }
    }

    async Task ProcessRoundAsync(List<Pending> batch, List<Pending> deferred, CancellationToken cancellationToken)
    {
        var conflicts = 0;
        if (batch.Any(p => p.SyncFirst))
        {
            var drift = await SyncAsync(cancellationToken);
            foreach (var pending in batch)
                pending.DriftFound = drift;
        }
        // A round that began with a re-read already plans against the current state.
        var verified = batch.Any(p => p.SyncFirst);
        while (true)
        {
            var plan = Plan(batch);
            // A refusal, a 404 or an "unchanged" writes nothing, so no If-Match would catch a stale
            // plan: before giving such an answer, make sure the state it was planned against is the
            // store's current one (and, with a shared database, the one other instances last saw).
            if (!verified && (plan.Refused.Count > 0 || batch.Any(p => p.Outstanding == 0 && !p.Settled)))
            {
                verified = true;
                if (await IsStaleAsync(cancellationToken))
                {
                    await SyncAsync(cancellationToken);
                    SettleRecovered();
                    continue;
                }
            }
            foreach (var (pending, refusal) in plan.Refused)
            {
                metrics.Rejected(refusal.StatusCode == 422 ? "quota" : "rule");
                pending.Completion.TrySetException(refusal);
                batch.Remove(pending);
            }
            foreach (var pending in plan.Deferred)
            {
                batch.Remove(pending);
                deferred.Add(pending);
            }
            var writes = plan.Writes;
            if (writes.Count == 0)
            {
                foreach (var pending in batch)
                    pending.Complete(state);
                return;
            }
            try
            {
                foreach (var chunk in writes.Chunk(options.Value.MaxKeysPerBatch))
                    await WriteChunkAsync(chunk, cancellationToken);
                foreach (var pending in batch)
                    pending.Complete(state);
                return;
            }
            catch (KvsException e) when ((e.Kind == KvsErrorKind.Conflict || e.MayHaveBeenApplied) && ++conflicts <= options.Value.MaxConflictRetries)
            {
                // The chunks already written (or found applied by the re-read) are in the state, so
                // re-planning yields only what is left.
                if (e.Kind == KvsErrorKind.Conflict)
                    metrics.Conflict();
                metrics.Retry();
                logger.LogInformation("A write met {ErrorCode}; re-reading and re-planning (attempt {Attempt})", e.ErrorCode, conflicts);
                await SyncWithRetriesAsync(cancellationToken);
            }
            catch (KvsException e)
            {
                if (e.Kind == KvsErrorKind.Conflict)
                    metrics.Conflict();
                // A write that may have landed is found by the next sync and audited for its requester.
                await SyncWithRetriesAsync(cancellationToken);
                Fail(batch, e);
                return;
            }
        }
    }

    static void Fail(List<Pending> batch, KvsException e)
    {
        var failure = new Outages.DependencyUnavailableException(Outages.DependencyUnavailableException.Store,
            $"The key value store did not accept the change ({e.ErrorCode}: {e.Message}); nothing was acknowledged. Retry with the same Idempotency-Key.", e);
        foreach (var pending in batch)
            pending.Completion.TrySetException(failure);
    }

    /// <summary>
    /// Plans every pending change against one evolving copy of the state: the writes to send,
    /// restricting ones first; the changes refused; and the changes that touch a key another change
    /// of this round already writes (they wait for the next round). Changes nothing but the
    /// changes' <c>Outstanding</c> counts, so it can run again after a re-read.
    /// </summary>
    (List<PlannedWrite> Writes, List<(Pending Pending, MutationRejectedException Refusal)> Refused, List<Pending> Deferred) Plan(List<Pending> batch)
    {
        var touched = new HashSet<string>(StringComparer.Ordinal);
        var working = state.Items;
        var bytes = state.TotalBytes;
        var writes = new List<PlannedWrite>();
        var refused = new List<(Pending, MutationRejectedException)>();
        var deferred = new List<Pending>();
        // A change whose keys are all written (or were found applied after a lost answer) is done:
        // planning it again against the new state could refuse it (say, deleting what it deleted).
        foreach (var pending in batch.Where(p => !p.Settled))
        {
            try
            {
                var planned = new List<PlannedWrite>();
                var items = working;
                var size = bytes;
                foreach (var write in pending.Plan(items))
                {
                    CheckLimits(write);
                    var before = items.GetValueOrDefault(write.Key);
                    if (before == write.Value)
                        continue;
                    size += (write.Value is null ? 0 : KvsLimits.EntrySize(write.Key, write.Value)) - (before is null ? 0 : KvsLimits.EntrySize(write.Key, before));
                    items = write.Value is null ? items.Remove(write.Key) : items.SetItem(write.Key, write.Value);
                    planned.Add(new(pending, write, before));
                }
                if (planned.Any(w => touched.Contains(w.Write.Key)))
                {
                    deferred.Add(pending);
                    continue;
                }
                if (size > KvsLimits.MaxStoreBytes)
                    throw new MutationRejectedException(422, "store", $"The change would bring the store to {size} bytes, over the KVS quota of {KvsLimits.MaxStoreBytes} bytes; nothing was written.");
                touched.UnionWith(planned.Select(w => w.Write.Key));
                working = items;
                bytes = size;
                pending.Outstanding = planned.Count;
                writes.AddRange(planned);
            }
            catch (MutationRejectedException e)
            {
                refused.Add((pending, e));
            }
        }
        return ([.. writes.Where(w => w.IsRestricting), .. writes.Where(w => !w.IsRestricting)], refused, deferred);
    }

    /// <summary>True when the store (or the shared mirror) is at another ETag than the state the writer plans against.</summary>
    async Task<bool> IsStaleAsync(CancellationToken cancellationToken) =>
        (mirror.IsShared && await mirror.ReadETagAsync(cancellationToken) != state.ETag)
        || (await store.DescribeAsync(cancellationToken)).ETag != state.ETag;

    static void CheckLimits(KeyWrite write)
    {
        if (KvsLimits.ByteCount(write.Key) > KvsLimits.MaxKeyBytes)
            throw new MutationRejectedException(400, write.Target, $"The key for '{write.Target}' would be {KvsLimits.ByteCount(write.Key)} bytes; KVS allows {KvsLimits.MaxKeyBytes}.");
        if (write.Value is not null && KvsLimits.ByteCount(write.Value) > KvsLimits.MaxValueBytes)
            throw new MutationRejectedException(400, write.Target, $"The value for '{write.Target}' would be {KvsLimits.ByteCount(write.Value)} bytes; KVS allows {KvsLimits.MaxValueBytes}.");
    }

    async Task WriteChunkAsync(PlannedWrite[] chunk, CancellationToken cancellationToken)
    {
        var etagBefore = state.ETag ?? throw KvsException.Conflict("The store has not been read yet.");
        var intent = new WriteIntent(Guid.NewGuid().ToString("N"), etagBefore, [.. chunk.Select(w => new IntentWrite(
            w.Write.Key, w.Write.Value, w.Before, w.Owner.Actor.Name, w.Write.Action, w.Write.Target, w.Owner.Actor.RequestId, w.Owner.Actor.Client))]);
        await mirror.RecordIntentAsync(intent, time.GetUtcNow(), cancellationToken);
        unanswered[intent.Id] = chunk;
        var acknowledged = Stopwatch.StartNew();
        IReadOnlyList<AuditEntry> entries;
        var ambiguous = new StrongBox<bool>();
        try
        {
            entries = await WriteLockedChunkAsync(chunk, intent, acknowledged, ambiguous, cancellationToken);
        }
        catch (KvsException e) when (ambiguous.Value && !e.MayHaveBeenApplied)
        {
            // The re-read after an unanswered write failed in turn: whether it landed is still open.
            throw new KvsException(e.Kind, e.ErrorCode, e.Message, e.StatusCode, e.RequestId, e) { MayHaveBeenApplied = true };
        }
        catch (KvsException e) when (!e.MayHaveBeenApplied)
        {
            unanswered.Remove(intent.Id);
            await mirror.ForgetIntentAsync(intent);
            throw;
        }
        unanswered.Remove(intent.Id);
        metrics.AuditLag(acknowledged.Elapsed);
        Settle(chunk, entries);
    }

    static void Settle(PlannedWrite[] chunk, IReadOnlyList<AuditEntry> entries)
    {
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i].Owner.Entries.Add(entries[i]);
            chunk[i].Owner.Outstanding--;
        }
    }

    /// <summary>
    /// Sends one chunk as the store's only writer, then audits it and saves it in the mirror in one
    /// short transaction: no transaction is open while the store answers (<see cref="IDatabase.StoreLockedAsync{T}"/>).
    /// </summary>
    Task<IReadOnlyList<AuditEntry>> WriteLockedChunkAsync(PlannedWrite[] chunk, WriteIntent intent, Stopwatch acknowledged, StrongBox<bool> ambiguous, CancellationToken cancellationToken) =>
        database.StoreLockedAsync(async () =>
        {
            var etagBefore = intent.ETagBefore;
            // Another instance sharing this database may have written since: then our plan is stale.
            if (await mirror.ReadETagAsync(cancellationToken) != etagBefore)
                throw KvsException.Conflict("Another instance wrote to the store since this plan was made.");
            var puts = chunk.Where(w => w.Write.Value is not null).Select(w => new KeyValueItem(w.Write.Key, w.Write.Value!)).ToList();
            var deletes = chunk.Where(w => w.Write.Value is null).Select(w => w.Write.Key).ToList();
            WriteResult result;
            IReadOnlyList<KeyChange> external = [];
            string? detail = null;
            try
            {
                result = await store.UpdateKeysAsync(etagBefore, puts, deletes, cancellationToken);
            }
            catch (KvsException e) when (e.MayHaveBeenApplied)
            {
                // No definite answer, then a retry that failed: find out whether our write landed.
                ambiguous.Value = true;
                (result, external) = await RecoverAsync(intent, e, cancellationToken);
                detail = WriteIntent.RecoveryDetail;
            }
            acknowledged.Restart();
            metrics.BatchWritten();
            metrics.KeysWritten(chunk.Length);
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
        }, cancellationToken);

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

    Task<IReadOnlyList<AuditEntry>> AuditExternalAsync(DbConnection connection, DbTransaction transaction, IEnumerable<KeyChange> external, string? etagBefore, string etagAfter, CancellationToken cancellationToken) =>
        audit.AppendAsync(connection, transaction, [.. external.Select(c => new AuditRecord(ExternalActor, ExternalChangeAction, c.Key, AuditOutcome.Detected,
            c.Before, c.After, ETagBefore: etagBefore, ETagAfter: etagAfter))], cancellationToken);

    /// <summary>
    /// Re-reads after a failed write, a few times if the store or the database keeps failing, and
    /// hands the audit entries of a chunk the re-read found applied to the changes that sent it. If
    /// every attempt fails, the batch fails with that error (the outage it names), not with the
    /// write's: an intent whose outcome is open waits in the journal for the next re-read.
    /// </summary>
    async Task SyncWithRetriesAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SyncAsync(cancellationToken);
                break;
            }
            catch (Exception e) when ((e is KvsException or DbException or IOException) && attempt < options.Value.MaxReadAttempts)
            {
                logger.LogWarning(e, "Could not re-read the store after a failed write (attempt {Attempt})", attempt);
                await Task.Delay(WriterOptions.Backoff(attempt), time, cancellationToken);
            }
        }
        SettleRecovered();
    }

    /// <summary>Hands the audit entries of chunks the last re-read found applied to the changes that sent them.</summary>
    void SettleRecovered()
    {
        foreach (var (id, entries) in recovered)
        {
            if (unanswered.Remove(id, out var chunk))
                Settle(chunk, entries);
        }
    }

    /// <summary>
    /// Brings the mirror up to date: first with what other instances recorded in the database, then
    /// with the store itself. Whatever differs between the two was written outside this service and
    /// is audited as an external change. The store is read before the transaction that records the
    /// outcome, never inside it.
    /// </summary>
    Task<bool> SyncAsync(CancellationToken cancellationToken) =>
        database.StoreLockedAsync(async () =>
        {
            recovered.Clear();
            var databaseETag = await mirror.ReadETagAsync(cancellationToken);
            var description = await store.DescribeAsync(cancellationToken);
            if (description.ETag == databaseETag && databaseETag == state.ETag && state.ETag is not null)
                return false;
            // The mirror already holds what the store holds (another instance wrote and saved it): loading it is enough.
            var read = description.ETag == databaseETag ? ((ImmutableSortedDictionary<string, string> Items, string ETag)?)null : await ReadWholeStoreAsync(description.ETag, cancellationToken);
            var (synced, drift) = await database.WriteLockedAsync(async (connection, transaction) =>
            {
                var mirrorETag = await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken);
                var known = mirrorETag == state.ETag && state.ETag is not null ? state : await MirrorRepository.LoadAsync(connection, transaction, mirrorETag, cancellationToken);
                if (read is not { } current || current.ETag == known.ETag)
                    return (known, false);
                var (items, etag) = current;
                var observed = StoreState.Of(items, etag, time.GetUtcNow());
                var outcome = Reconciler.Reconcile(known, observed, await MirrorRepository.ReadJournalAsync(connection, transaction, cancellationToken));
                if (outcome.Applied is { } applied)
                {
                    recovered[applied.Id] = await audit.AppendAsync(connection, transaction, [.. applied.Writes.Select(w => new AuditRecord(w.Actor, w.Action, w.Target, AuditOutcome.Success,
                        w.Before, w.Value, w.RequestId, w.Client, known.ETag, etag, WriteIntent.RecoveryDetail))], cancellationToken);
                    logger.LogWarning("A write whose answer was lost is in the store; audited for its requester ({Count} keys)", applied.Writes.Count);
                }
                await AuditExternalAsync(connection, transaction, outcome.External, known.ETag, etag, cancellationToken);
                var changes = outcome.Changes(known).ToList();
                await MirrorRepository.SaveAsync(connection, transaction, changes.Select(c => (c.Key, c.After)), etag, time.GetUtcNow(), cancellationToken);
                await MirrorRepository.ForgetIntentsAsync(connection, transaction, outcome.Applied is null ? outcome.Dead : [outcome.Applied, .. outcome.Dead], cancellationToken);
                if (outcome.External.Count > 0)
                    logger.LogWarning("The store was changed outside this service: {Count} keys differ; recorded as external changes", outcome.External.Count);
                return (observed with { LastChange = changes.Count > 0 ? time.GetUtcNow() : known.LastChange }, outcome.External.Count > 0);
            }, cancellationToken);
            state = synced;
            return drift;
        }, cancellationToken);

    async Task<(ImmutableSortedDictionary<string, string> Items, string ETag)> ReadWholeStoreAsync(string etag, CancellationToken cancellationToken)
    {
        // ListKeys carries no ETag, so read until the ETag is the same before and after the listing.
        for (var attempt = 0; ; attempt++)
        {
            var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var item in await store.ReadAllAsync(cancellationToken))
                builder[item.Key] = item.Value;
            var after = (await store.DescribeAsync(cancellationToken)).ETag;
            if (after == etag)
                return (builder.ToImmutable(), after);
            // Still moving after five listings: pair the items with the ETag from before the last
            // one, never the newer ETag, so a change the listing missed shows as drift next time.
            if (attempt == 5)
                return (builder.ToImmutable(), etag);
            etag = after;
        }
    }

    sealed class Pending(Actor actor, MutationPlan plan, bool syncFirst)
    {
        public bool SyncFirst { get; } = syncFirst;

        public bool DriftFound { get; set; }

        public Actor Actor { get; } = actor;

        public MutationPlan Plan { get; } = plan;

        public List<AuditEntry> Entries { get; } = [];

        /// <summary>Planned writes not yet in the store; none left after some were written means the change is done.</summary>
        public int Outstanding { get; set; } = -1;

        public bool Settled => Outstanding == 0 && Entries.Count > 0;

        public TaskCompletionSource<WriteOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(StoreState answeredAgainst) => Completion.TrySetResult(new(answeredAgainst.ETag ?? "", Entries, answeredAgainst.Items));
    }

    sealed record PlannedWrite(Pending Owner, KeyWrite Write, string? Before)
    {
        public bool IsRestricting { get; } = KvsLayout.IsRestricting(Write.Key, Before, Write.Value);
    }
}
