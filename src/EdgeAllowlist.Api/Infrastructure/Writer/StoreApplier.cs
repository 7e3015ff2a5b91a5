using System.Collections.Immutable;
using System.Diagnostics;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Rules.Layout;

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
    MirrorSeal seal,
    TimeProvider time,
    ILogger<StoreApplier> logger)
{
    public const string ExternalActor = "kvs-external";
    const string SystemActor = "system";

    volatile StoreState state = StoreState.Empty;
    volatile StoreRolledBackException? rollback;
    volatile MirrorTamper? tamper;
    volatile ListingWatch? watch;

    /// <summary>Set while the store is older than what the database acknowledged (found by the last re-read); cleared by one that finds it is not.</summary>
    public StoreRolledBackException? Rollback => rollback;

    /// <summary>The last time a loaded mirror failed its seal and differed from the store (repaired and audited as <c>mirror.drift</c>); null if never.</summary>
    public MirrorTamper? Tamper => tamper;

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
        var items = state.Items;
        var digest = state.Digest;
        foreach (var (key, value) in external.Select(c => (c.Key, c.After)).Concat(chunk.Select(w => (w.Write.Key, w.Write.Value))))
        {
            digest = seal.Update(digest, key, items.GetValueOrDefault(key), value);
            items = value is null ? items.Remove(key) : items.SetItem(key, value);
        }
        var after = new StoreState(items, result.TotalSizeInBytes, result.ETag, time.GetUtcNow())
        {
            Digest = digest,
            Version = result.Version,
            Fresh = state.Fresh?.Union(external.Select(c => c.Key)).Union(chunk.Select(w => w.Write.Key)),
            MirrorSeq = state.MirrorSeq,
        };
        var (appended, saved) = await database.WriteLockedAsync(async (connection, transaction) =>
        {
            await AuditExternalAsync(connection, transaction, external, etagBefore, result.ETag, cancellationToken);
            var appended = await audit.AppendAsync(connection, transaction, records, cancellationToken);
            var saved = await MirrorRepository.SaveAsync(connection, transaction, external.Select(c => (c.Key, c.After)).Concat(chunk.Select(w => (w.Write.Key, w.Write.Value))),
                after, seal, time.GetUtcNow(), cancellationToken);
            await MirrorRepository.DeleteStaleIntentsAsync(connection, transaction, result.ETag, cancellationToken);
            return (appended, saved);
        }, cancellationToken);
        state = saved;
        watch?.Moved(etagBefore, result.ETag, ours: external.Count == 0, chunk.Select(w => w.Write.Key).Concat(external.Select(c => c.Key)));
        return appended;
    }

    /// <summary>
    /// After an ambiguous write: if the store now holds every key of the chunk as planned, the write
    /// landed and is acknowledged as ours, with whatever else changed as external changes to audit;
    /// otherwise the original failure stands.
    /// </summary>
    async Task<(WriteResult Result, IReadOnlyList<KeyChange> External)> RecoverAsync(WriteIntent intent, KvsException failure, CancellationToken cancellationToken)
    {
        var observed = await ReadWholeStoreAsync(await store.DescribeAsync(cancellationToken), cancellationToken);
        var outcome = Reconciler.Reconcile(state, observed, [intent]);
        if (outcome.Applied != intent)
            throw failure;
        logger.LogWarning("A write got no definite answer but is in the store; acknowledging it ({Others} other keys changed outside)", outcome.External.Count);
        return (new(observed.ETag!, observed.Items.Count, observed.TotalBytes, observed.Version), outcome.External);
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
    /// audited as an external change. A mirror loaded from the database is used only if its
    /// <see cref="MirrorSeal"/> holds; otherwise the store is read and the rows that differ are
    /// repaired and audited as <c>mirror.drift</c>. A store older than the acknowledged state is a
    /// rollback (<see cref="StoreRollback"/>): nothing is recorded and <see cref="StoreRolledBackException"/>
    /// is thrown. The store is read before the transaction that records the outcome, never inside it.
    /// </summary>
    public Task<SyncResult> SyncAsync(CancellationToken cancellationToken) =>
        database.StoreLockedAsync(async () =>
        {
            try
            {
                for (var inDoubt = false; ; inDoubt = true)
                {
                    var databaseETag = await mirror.ReadETagAsync(cancellationToken);
                    var description = await store.DescribeAsync(cancellationToken);
                    if (description.ETag == databaseETag && databaseETag == state.ETag && state.ETag is not null && state.Fresh is null)
                    {
                        rollback = null;
                        return new SyncResult(false, ImmutableDictionary<string, IReadOnlyList<AuditEntry>>.Empty);
                    }
                    // The mirror already holds what the store holds (another instance wrote and saved it): loading it is enough, if its seal holds.
                    var read = description.ETag == databaseETag && !inDoubt && state.Fresh is null ? null : await ReadWholeStoreAsync(description, cancellationToken);
                    var step = await database.WriteLockedAsync((connection, transaction) => ReconcileAsync(connection, transaction, read, cancellationToken), cancellationToken);
                    if (step is not { } done)
                        continue;
                    state = done.State;
                    rollback = null;
                    if (done.State.Fresh is null)
                        watch?.Supersede();
                    return done.Result;
                }
            }
            catch (StoreRolledBackException e)
            {
                rollback = e;
                throw;
            }
        }, cancellationToken);

    /// <summary>
    /// What the writer knew, to build on: its own state while the mirror is at the same ETag, else the mirror
    /// as loaded, with what its seal says. A partly checked state at a shared mirror's ETag may be behind the
    /// mirror itself (another instance's full re-read completes it without moving its ETag), and what that
    /// re-read audited must not be audited again here, so the mirror is loaded then too.
    /// </summary>
    Task<(StoreState Known, SealCheck Check)> KnownAsync(DbConnection connection, DbTransaction transaction, string? mirrorETag, CancellationToken cancellationToken) =>
        mirrorETag == state.ETag && state.ETag is not null && (state.Fresh is null || !mirror.IsShared)
            ? Task.FromResult((state, SealCheck.Valid))
            : MirrorRepository.LoadAsync(connection, transaction, mirrorETag, seal, cancellationToken);

    /// <summary>One pass of <see cref="SyncAsync"/> in its transaction; null when the mirror is in doubt and the store must be read first.</summary>
    async Task<(StoreState State, SyncResult Result)?> ReconcileAsync(DbConnection connection, DbTransaction transaction, StoreState? read, CancellationToken cancellationToken)
    {
        var recovered = new Dictionary<string, IReadOnlyList<AuditEntry>>();
        var mirrorETag = await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken);
        var (known, check) = await KnownAsync(connection, transaction, mirrorETag, cancellationToken);
        if (read is null && check == SealCheck.Partial)
            return null;
        if (check is not (SealCheck.Valid or SealCheck.Partial))
        {
            if (read is null)
                return null;
            return (await RepairAsync(connection, transaction, known, check, read, cancellationToken), new SyncResult(false, recovered));
        }
        if (read is null || (read.ETag == known.ETag && known.Fresh is null))
            return (read is null ? known : known with { Version = read.Version }, new SyncResult(false, recovered));
        var observed = read;
        var (acknowledgedVersion, seen) = await MirrorRepository.ReadAcknowledgedAsync(connection, transaction, [known.ETag, observed.ETag], cancellationToken);
        if (StoreRollback.Detect(known, observed, acknowledgedVersion, seen) is { } reason)
        {
            var missing = StoreRollback.Missing(known, observed);
            logger.LogError("The key value store was rolled back ({Reason}); {Count} acknowledged key changes are missing. Reads and writes are refused until it is restored or accepted", reason, missing.Count);
            throw new StoreRolledBackException(reason, missing);
        }
        var etag = observed.ETag!;
        // A partly checked state at the store's own ETag may still differ in the keys it did not read: compare them all, as after a move.
        var (journal, forged) = await mirror.ReadJournalAsync(connection, transaction, cancellationToken);
        var outcome = Reconciler.Reconcile(observed.ETag == known.ETag ? known with { ETag = null } : known, observed, journal);
        if (outcome.Applied is { } applied)
        {
            recovered[applied.Id] = await audit.AppendAsync(connection, transaction, [.. applied.Writes.Select(w => new AuditRecord(w.Actor, w.Action, w.Target, AuditOutcome.Success,
                w.Before, w.Value, w.RequestId, w.Client, known.ETag, etag,
                // A User-Agent rule target names the rule, not the key: the key goes first in the detail, as in the entry the write would have had.
                w.Target.StartsWith(KvsLayout.UserAgentRuleTargetPrefix, StringComparison.Ordinal) ? KvsLayout.KeyedDetail(w.Key, WriteIntent.RecoveryDetail) : WriteIntent.RecoveryDetail))], cancellationToken);
            logger.LogWarning("A write whose answer was lost is in the store; audited for its requester ({Count} keys)", applied.Writes.Count);
        }
        // A journal row this service did not sign is no one's request: its change stays external, and the entry says whom the row named.
        var claims = forged.SelectMany(i => i.Writes).GroupBy(w => w.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Actor, StringComparer.Ordinal);
        if (forged.Count > 0)
            logger.LogError("{Count} write-journal rows do not carry this service's signature; their changes are audited as external", forged.Count);
        await AuditExternalAsync(connection, transaction, outcome.External, known.ETag, etag, cancellationToken, claims);
        var changes = outcome.Changes(known).ToList();
        var synced = await MirrorRepository.SaveAsync(connection, transaction, changes.Select(c => (c.Key, c.After)),
            observed with { LastChange = changes.Count > 0 ? time.GetUtcNow() : known.LastChange, MirrorSeq = known.MirrorSeq }, seal, time.GetUtcNow(), cancellationToken);
        await MirrorRepository.ForgetIntentsAsync(connection, transaction, [.. outcome.Applied is null ? outcome.Dead : [outcome.Applied, .. outcome.Dead], .. forged], cancellationToken);
        if (outcome.External.Count > 0)
            logger.LogWarning("The store was changed outside this service: {Count} keys differ; recorded as external changes", outcome.External.Count);
        return (synced, new SyncResult(outcome.External.Count > 0, recovered));
    }

    /// <summary>
    /// Takes the shared mirror as the state when another instance has moved it past this one, if its seal
    /// holds; false when it does not (only a full re-read, which repairs it, will do).
    /// </summary>
    public Task<bool> FollowMirrorAsync(CancellationToken cancellationToken) =>
        database.StoreLockedAsync(async () =>
        {
            var loaded = await database.WriteLockedAsync(async (connection, transaction) =>
            {
                var mirrorETag = await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken);
                if (mirrorETag is null)
                    return state;
                var (known, check) = await KnownAsync(connection, transaction, mirrorETag, cancellationToken);
                return check is SealCheck.Valid or SealCheck.Partial ? known : null;
            }, cancellationToken);
            if (loaded is null)
                return false;
            var before = state.ETag;
            state = loaded;
            watch?.Moved(before, loaded.ETag, ours: false, []);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Brings <paramref name="keys"/> up to date without listing the store, after a conflict or before
    /// planning against a partly checked state: one Describe for the new ETag, one GetKey per key. A
    /// key that differs from what the writer knew was changed outside this service and is audited as
    /// such now; every other key is left as it was, and the state is marked partly checked
    /// (<see cref="StoreState.Fresh"/>) until the full re-read the writer runs in the background.
    /// When another instance sharing the database has moved the mirror past this state, the mirror
    /// (if its seal holds) is what the writer knew: with two instances and someone editing the store,
    /// a listing each time the other instance wrote is what starved every write of both.
    /// False when only a full re-read will do: a mirror whose seal fails, an intent planned against
    /// the known ETag that the store may hold with its answer lost, or a store whose version or ETag
    /// looks like a rollback.
    /// </summary>
    public Task<bool> CatchUpAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        database.StoreLockedAsync(() => CatchUpLockedAsync(keys, cancellationToken), cancellationToken);

    /// <summary><see cref="CatchUpAsync"/> with the store lock already held.</summary>
    async Task<bool> CatchUpLockedAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var start = await database.WriteLockedAsync(async (connection, transaction) =>
        {
            var mirrorETag = await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken);
            if (mirrorETag is null)
                return null;
            var (known, check) = await KnownAsync(connection, transaction, mirrorETag, cancellationToken);
            if (check is not (SealCheck.Valid or SealCheck.Partial))
                return null;
            var (signed, forged) = await mirror.ReadJournalAsync(connection, transaction, cancellationToken);
            return ((StoreState Known, List<WriteIntent> Planned)?)(known, [.. signed.Concat(forged).Where(i => i.ETagBefore == mirrorETag)]);
        }, cancellationToken);
        if (start is not var (known, planned))
            return false;
        var description = await store.DescribeAsync(cancellationToken);
        var moved = description.ETag != known.ETag;
        var read = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in moved ? keys.Concat(planned.SelectMany(i => i.Writes.Select(w => w.Key))) : keys)
        {
            if (!read.ContainsKey(key))
                read[key] = (await store.GetAsync(key, cancellationToken))?.Value;
        }
        // A write of ours whose answer was lost (the database went away after the store took it) may be
        // what moved the store: only the full re-read can audit it for its requester. An intent whose
        // keys do not all hold its values is not in the store (another instance's, still waiting for the store lock).
        if (moved && planned.Any(i => i.Writes.Count > 0 && i.Writes.All(w => read[w.Key] == w.Value && known.Items.GetValueOrDefault(w.Key) != w.Value)))
            return false;
        var found = keys.Where(k => read[k] != known.Items.GetValueOrDefault(k)).Select(k => new KeyChange(k, known.Items.GetValueOrDefault(k), read[k])).ToList();
        var after = await database.WriteLockedAsync(async (connection, transaction) =>
        {
            if (await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken) != known.ETag)
                return null;
            if (moved)
            {
                var (acknowledged, seen) = await MirrorRepository.ReadAcknowledgedAsync(connection, transaction, [description.ETag], cancellationToken);
                if (description.Version < acknowledged || seen.ContainsKey(description.ETag))
                    return null;
            }
            var items = known.Items;
            var digest = known.Digest;
            foreach (var change in found)
            {
                digest = seal.Update(digest, change.Key, change.Before, change.After);
                items = change.After is { } value ? items.SetItem(change.Key, value) : items.Remove(change.Key);
            }
            var caughtUp = new StoreState(items, description.TotalSizeInBytes, description.ETag, found.Count > 0 ? time.GetUtcNow() : known.LastChange)
            {
                Digest = digest,
                Version = description.Version,
                Fresh = moved ? keys.ToImmutableHashSet(StringComparer.Ordinal) : known.Fresh?.Union(keys),
                MirrorSeq = known.MirrorSeq,
            };
            await AuditExternalAsync(connection, transaction, found, known.ETag, description.ETag, cancellationToken);
            return await MirrorRepository.SaveAsync(connection, transaction, found.Select(c => (c.Key, c.After)), caughtUp, seal, time.GetUtcNow(), cancellationToken);
        }, cancellationToken);
        if (after is null)
            return false;
        if (found.Count > 0)
            logger.LogWarning("The store was changed outside this service: {Count} keys read by key differ; recorded as external changes", found.Count);
        var before = state.ETag;
        state = after;
        watch?.Moved(before, after.ETag!, ours: false, keys);
        return true;
    }

    /// <summary>
    /// A mirror whose seal does not hold is not the state this service saved: its rows that differ from
    /// the store are audited once as <c>mirror.drift</c> and replaced by the store's, and it is sealed
    /// again. Without a trusted mirror, a change in the store cannot be told from an edit of the mirror,
    /// so nothing is audited as an external change or judged a rollback here.
    /// </summary>
    async Task<StoreState> RepairAsync(DbConnection connection, DbTransaction transaction, StoreState loaded, SealCheck check, StoreState observed, CancellationToken cancellationToken)
    {
        var drifted = StoreRollback.Missing(loaded, observed);
        if (drifted.Count > 0)
        {
            var detail = check == SealCheck.Invalid
                ? "the database mirror did not match its seal and differed from the store; the store's value was restored in the mirror"
                : $"the database mirror's seal was {(check == SealCheck.OtherKey ? "made with another Mirror:Key" : "missing")} and the mirror differed from the store; the store's value was restored in the mirror";
            await audit.AppendAsync(connection, transaction, [.. drifted.Select(key => new AuditRecord(SystemActor, AuditActions.MirrorDrift, key, AuditOutcome.Detected,
                loaded.Items.GetValueOrDefault(key), observed.Items.GetValueOrDefault(key), ETagBefore: loaded.ETag, ETagAfter: observed.ETag, Detail: detail))], cancellationToken);
            tamper = new(drifted, time.GetUtcNow());
            logger.LogError("The database mirror failed its seal ({Check}) and differed from the store in {Count} keys ({Keys}); restored from the store and audited as {Action}",
                check, drifted.Count, string.Join(", ", drifted.Take(20)), AuditActions.MirrorDrift);
        }
        else if (check != SealCheck.Missing)
            logger.LogWarning("The database mirror's seal did not verify ({Check}) but its rows equal the store's; sealed again. Instances sharing a database need the same Mirror:Key", check);
        return await MirrorRepository.SaveAsync(connection, transaction, drifted.Select(key => (key, observed.Items.GetValueOrDefault(key))),
            observed with { LastChange = drifted.Count > 0 ? time.GetUtcNow() : loaded.LastChange, MirrorSeq = loaded.MirrorSeq }, seal, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>
    /// How many keys one background round reads by key when the store moved under its listing; the rest
    /// wait for the next round, so the store lock (and every write behind it) is held for a bounded time
    /// after a large edit from outside.
    /// </summary>
    public const int MaxKeysCaughtUpPerRound = 200;

    /// <summary>
    /// The first half of a background re-read: one listing of the whole store, taken without the store
    /// lock and outside the writer's queue, so writes go on meanwhile; what they change is noted for
    /// <see cref="ReconcileListingAsync"/>.
    /// </summary>
    public async Task<StoreListing> ListAsync(CancellationToken cancellationToken)
    {
        var noted = new ListingWatch();
        watch = noted;
        try
        {
            var before = await store.DescribeAsync(cancellationToken);
            metrics.StoreListed();
            var items = (await store.ReadAllAsync(cancellationToken)).ToImmutableSortedDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
            return new(items, before.ETag, noted);
        }
        catch
        {
            Interlocked.CompareExchange(ref watch, null, noted);
            throw;
        }
    }

    /// <summary>
    /// The second half, under the store lock and from the writer's queue. If since the listing began the
    /// store moved only by this service's own writes (or not at all), the listing, with the keys those
    /// writes wrote or read taken from the state, is the whole store at the current ETag, and it is
    /// reconciled as a full re-read is (<see cref="KnownAsync"/>, journal, rollback, external changes; the
    /// state is whole again). If someone else moved it meanwhile (an editor, another instance), the listing
    /// proves only that the keys where it differs from the state changed outside: those are read by key and
    /// audited (<see cref="CatchUpAsync"/>, at most <see cref="MaxKeysCaughtUpPerRound"/>), and the rest waits
    /// for the next round, never for another listing now. False when only a full re-read will do (a journal
    /// intent the store may hold with its answer lost, a mirror whose seal fails, a suspected rollback).
    /// </summary>
    public Task<bool> ReconcileListingAsync(StoreListing listing, CancellationToken cancellationToken) =>
        database.StoreLockedAsync(async () =>
        {
            Interlocked.CompareExchange(ref watch, null, listing.Watch);
            var (touched, end, superseded) = listing.Watch.Result(listing.ETag);
            if (superseded)
                return true;
            var description = await store.DescribeAsync(cancellationToken);
            if (end == description.ETag && (touched.Count == 0 || state.ETag == description.ETag))
            {
                var builder = listing.Items.ToBuilder();
                foreach (var key in touched)
                {
                    if (state.Items.TryGetValue(key, out var value))
                        builder[key] = value;
                    else
                        builder.Remove(key);
                }
                var items = builder.ToImmutable();
                var observed = StoreState.Of(items, description.ETag, time.GetUtcNow()) with { Digest = seal.DigestOf(items), Version = description.Version };
                try
                {
                    var step = await database.WriteLockedAsync((connection, transaction) => ReconcileAsync(connection, transaction, observed, cancellationToken), cancellationToken);
                    if (step is not { } done)
                        return false;
                    state = done.State;
                    rollback = null;
                    return true;
                }
                catch (StoreRolledBackException e)
                {
                    rollback = e;
                    throw;
                }
            }
            var differing = listing.Items.Keys.Union(state.Items.Keys, StringComparer.Ordinal)
                .Where(k => !touched.Contains(k) && listing.Items.GetValueOrDefault(k) != state.Items.GetValueOrDefault(k))
                .Take(MaxKeysCaughtUpPerRound)
                .ToList();
            return await CatchUpLockedAsync(differing, cancellationToken);
        }, cancellationToken);

    /// <summary>The whole store, listed until its ETag is the same before and after (ListKeys carries none), with its digest.</summary>
    async Task<StoreState> ReadWholeStoreAsync(StoreDescription description, CancellationToken cancellationToken)
    {
        for (var listing = 1; ; listing++)
        {
            metrics.StoreListed();
            var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var item in await store.ReadAllAsync(cancellationToken))
                builder[item.Key] = item.Value;
            var after = await store.DescribeAsync(cancellationToken);
            // Still moving after the last listing: pair the items with the ETag from before it, never
            // the newer ETag, so a change the listing missed shows as drift next time.
            if (after.ETag == description.ETag || listing >= policy.Limits.MaxListings)
            {
                var items = builder.ToImmutable();
                return StoreState.Of(items, description.ETag, time.GetUtcNow()) with { Digest = seal.DigestOf(items), Version = description.Version };
            }
            description = after;
        }
    }
}

/// <summary>A listing of the whole store taken without the store lock, the ETag from just before it, and what this service changed meanwhile.</summary>
public sealed record StoreListing(ImmutableSortedDictionary<string, string> Items, string ETag, ListingWatch Watch);

/// <summary>
/// What the writer did while a background listing ran: the keys it wrote or read by key (the listing may
/// hold their older value), and the moves of the state it made, in order, each marked as this service's
/// own write or not, so the reconcile can tell whether only this service's writes moved the store since
/// the listing began.
/// </summary>
public sealed class ListingWatch
{
    readonly Lock gate = new();
    readonly HashSet<string> touched = new(StringComparer.Ordinal);
    readonly List<(string? Before, string? After, bool Ours)> moves = [];
    bool superseded;

    public void Moved(string? before, string? after, bool ours, IEnumerable<string> keys)
    {
        lock (gate)
        {
            touched.UnionWith(keys);
            if (before != after)
                moves.Add((before, after, ours));
        }
    }

    /// <summary>A full re-read made the state whole since: the listing is older than it and has nothing to add.</summary>
    public void Supersede()
    {
        lock (gate)
            superseded = true;
    }

    /// <summary>
    /// The keys touched, and the ETag the store reached from <paramref name="listedAt"/> by this service's
    /// own writes alone (null once a move from there was not one of them); a move that does not start where
    /// the chain stands (the state catching up to where the listing began) is skipped.
    /// </summary>
    public (IReadOnlySet<string> Touched, string? End, bool Superseded) Result(string listedAt)
    {
        lock (gate)
        {
            string? end = listedAt;
            foreach (var (before, after, ours) in moves)
            {
                if (end is null || before != end)
                    continue;
                end = ours ? after : null;
            }
            return (touched.ToHashSet(StringComparer.Ordinal), end, superseded);
        }
    }
}

/// <summary>Mirror rows that failed their seal and differed from the store, and when that was found.</summary>
public sealed record MirrorTamper(IReadOnlyList<string> Keys, DateTimeOffset FoundAt);
