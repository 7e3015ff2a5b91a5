using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// Takes one batch of queued changes to an answer for each: plans them together
/// (<see cref="WritePlanner"/>), sends the writes in as few chunks as the key limit allows
/// (<see cref="StoreApplier"/>), and on a conflict or an unanswered write re-reads and re-plans what
/// is left, as often as the <see cref="RetryPolicy"/> allows. A change is acknowledged only after
/// its keys are in the store and its audit entries are committed. Used only from the writer's loop.
/// </summary>
public sealed class BatchProcessor(StoreApplier applier, RetryPolicy policy, ApiMetrics metrics, ILogger<BatchProcessor> logger)
{
    // Chunks of this round sent without a definite answer (an earlier attempt of a change may land
    // after a later one was planned), by intent, so a re-read that finds one applied settles its changes.
    readonly Dictionary<string, PlannedWrite[]> unanswered = [];

    /// <summary>
    /// Sends a batch in rounds: one UpdateKeys call carries one value per key, so a change that
    /// touches a key an earlier change of its round writes (two User-Agent rules, two settings
    /// patches) waits for the next round and is planned against its result. Every change of the
    /// batch is answered, also when the batch fails (then the exception is thrown as well).
    /// </summary>
    public async Task ProcessAsync(List<PendingChange> batch, CancellationToken cancellationToken)
    {
        for (var round = batch; round.Count > 0;)
        {
            var deferred = new List<PendingChange>();
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

    async Task ProcessRoundAsync(List<PendingChange> batch, List<PendingChange> deferred, CancellationToken cancellationToken)
    {
        var conflicts = 0;
        // A round that began with a re-read already plans against the current state.
        var verified = batch.Any(p => p.SyncFirst);
        // A mirror whose seal fails is repaired from the store by the full re-read.
        if (!verified && batch.Any(p => p.FollowsMirror) && !await applier.FollowMirrorAsync(cancellationToken))
            verified = true;
        if (verified)
        {
            var drift = (await applier.SyncAsync(cancellationToken)).DriftFound;
            foreach (var pending in batch)
                pending.DriftFound = drift;
        }
        // Whether this round has listed the whole store, and whether a change that may read any key is now
        // planned against that listing with the keys it writes read again at the store's current ETag.
        var listed = verified;
        var onListing = false;
        while (true)
        {
            // A partly checked state (after a conflict caught up by key): read what this batch reads, or everything if it may read anything.
            if (applier.State.Fresh is { } fresh && !onListing)
            {
                var unread = batch.Any(p => p.Keys is null) ? null : batch.SelectMany(p => p.Keys!).Where(k => !fresh.Contains(k)).ToHashSet(StringComparer.Ordinal);
                if (unread is null || (unread.Count > 0 && !await applier.CatchUpAsync(unread, cancellationToken)))
                {
                    Settle(await applier.SyncAsync(cancellationToken));
                    listed = true;
                }
            }
            var plan = WritePlanner.Plan(batch, applier.State);
            if (onListing && applier.State.Fresh is { } read && plan.Writes.Select(w => w.Write.Key).Where(k => !read.Contains(k)).ToHashSet(StringComparer.Ordinal) is { Count: > 0 } unreadWrites)
            {
                // The new plan writes keys not yet read at this ETag: read them too, or fall back to the whole store.
                if (!await applier.CatchUpAsync(unreadWrites, cancellationToken))
                {
                    Settle(await applier.SyncAsync(cancellationToken));
                    (listed, onListing) = (true, false);
                }
                continue;
            }
            // A refusal, a 404 or an "unchanged" writes nothing, so no If-Match would catch a stale
            // plan: before giving such an answer, make sure the state it was planned against is the
            // store's current one (and, with a shared database, the one other instances last saw).
            if (!verified && (plan.Refused.Count > 0 || batch.Any(p => p.Outstanding == 0 && !p.Settled)))
            {
                verified = true;
                if (await applier.IsStaleAsync(cancellationToken))
                {
                    // Keyed changes are answered from their keys at the store's current ETag; anything else needs the whole store.
                    if (batch.Any(p => p.Keys is null) || !await applier.CatchUpAsync(batch.SelectMany(p => p.Keys!).ToHashSet(StringComparer.Ordinal), cancellationToken))
                    {
                        Settle(await applier.SyncAsync(cancellationToken));
                        (listed, onListing) = (true, false);
                    }
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
            try
            {
                foreach (var chunk in plan.Writes.Chunk(policy.Limits.MaxKeysPerBatch))
                    await WriteChunkAsync(chunk, cancellationToken);
                foreach (var pending in batch)
                    pending.Complete(applier.State);
                return;
            }
            catch (KvsException e) when ((e.Kind == KvsErrorKind.Conflict || e.MayHaveBeenApplied) && policy.MayReplan(++conflicts, IsKeyedConflict(e, batch)))
            {
                // The chunks already written (or found applied by the re-read) are in the state, so
                // re-planning yields only what is left.
                if (e.Kind == KvsErrorKind.Conflict)
                    metrics.Conflict();
                metrics.Retry();
                logger.LogInformation("A write met {ErrorCode}; re-reading and re-planning (attempt {Attempt})", e.ErrorCode, conflicts);
                // A definite conflict with keyed changes only: read just their keys at the new ETag, not the whole store.
                if (IsKeyedConflict(e, batch) && await applier.CatchUpAsync(batch.SelectMany(p => p.Keys!).ToHashSet(StringComparer.Ordinal), cancellationToken))
                    continue;
                // A change that may read any key met a store that moved again after this round listed it (someone
                // editing it faster than a listing takes): plan on that listing, with the keys it writes read again
                // at the current ETag and written with If-Match on it, rather than list again and lose the race again.
                if (listed && e.Kind == KvsErrorKind.Conflict && !e.MayHaveBeenApplied && unanswered.Count == 0
                    && await applier.CatchUpAsync(plan.Writes.Select(w => w.Write.Key).ToHashSet(StringComparer.Ordinal), cancellationToken))
                {
                    onListing = true;
                    continue;
                }
                await SyncWithRetriesAsync(cancellationToken);
                listed = true;
                onListing = false;
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

    /// <summary>A definite conflict (nothing of ours may have landed) of a batch whose changes each read only their own keys.</summary>
    bool IsKeyedConflict(KvsException e, List<PendingChange> batch) =>
        e.Kind == KvsErrorKind.Conflict && !e.MayHaveBeenApplied && batch.All(p => p.Keys is not null) && unanswered.Count == 0;

    async Task WriteChunkAsync(PlannedWrite[] chunk, CancellationToken cancellationToken)
    {
        var intent = applier.IntentFor(chunk);
        unanswered[intent.Id] = chunk;
        IReadOnlyList<AuditEntry> entries;
        try
        {
            entries = await applier.WriteAsync(chunk, intent, cancellationToken);
        }
        catch (KvsException e) when (!e.MayHaveBeenApplied)
        {
            unanswered.Remove(intent.Id);
            throw;
        }
        unanswered.Remove(intent.Id);
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

    /// <summary>Hands the audit entries of chunks a re-read found applied to the changes that sent them.</summary>
    void Settle(SyncResult sync)
    {
        foreach (var (id, entries) in sync.Recovered)
        {
            if (unanswered.Remove(id, out var chunk))
                Settle(chunk, entries);
        }
    }

    /// <summary>
    /// Re-reads after a failed write, a few times if the store or the database keeps failing. If
    /// every attempt fails, the batch fails with that error (the outage it names), not with the
    /// write's: an intent whose outcome is open waits in the journal for the next re-read.
    /// </summary>
    async Task SyncWithRetriesAsync(CancellationToken cancellationToken)
    {
        SyncResult? sync = null;
        await policy.RetryAsync(async () => sync = await applier.SyncAsync(cancellationToken), policy.Limits.MaxReadAttempts, "re-read the store after a failed write", cancellationToken);
        Settle(sync!);
    }

    static void Fail(List<PendingChange> batch, KvsException e)
    {
        var failure = new Outages.DependencyUnavailableException(Outages.DependencyUnavailableException.Store,
            $"The key value store did not accept the change ({e.ErrorCode}: {e.Message}); nothing was acknowledged. Retry with the same Idempotency-Key.", e);
        foreach (var pending in batch)
            pending.Completion.TrySetException(failure);
    }
}
