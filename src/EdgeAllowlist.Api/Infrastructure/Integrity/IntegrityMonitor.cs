using System.Collections.Immutable;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Integrity;

public sealed class IntegrityOptions
{
    /// <summary>
    /// How often the database mirror is compared with the whole store (and the audit chain checked
    /// past the last verified entry). Each comparison lists every key of the store.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>What the last checks found, for /v1/status.</summary>
public sealed record IntegrityReport(
    string Mirror,
    IReadOnlyList<string> DriftedKeys,
    DateTimeOffset? MirrorCheckedAt,
    string AuditChain,
    long AuditVerifiedThrough,
    long? AuditFirstInvalidSeq)
{
    public const string Unchecked = "unchecked";
    public const string InSync = "in-sync";
    public const string Drifted = "drifted";
    public const string Valid = "valid";
    public const string Broken = "broken";

    public static readonly IntegrityReport Initial = new(Unchecked, [], null, Unchecked, 0, null);
}

/// <summary>
/// Corruption in the database is found rather than served. At start, before the writer loads the
/// mirror, and then every <see cref="IntegrityOptions.Interval"/>:
/// <list type="bullet">
/// <item>the mirror (the writer's copy of the store in the database) is compared with the store, the
/// truth for rules, when both claim the same ETag. Rows that differ are audited as <c>mirror.drift</c>
/// (the store's value wins), rewritten from the store, and the writer reloads, so no answer comes from
/// a row the store does not hold. Status shows <c>drifted</c> with the keys until a check finds none.</item>
/// <item>the audit chain is verified from the last entry verified before (kept in
/// <c>audit_checkpoint</c>), so a start costs only the entries added since; a break is flagged in status
/// and the checkpoint is not moved past it.</item>
/// </list>
/// </summary>
public sealed class IntegrityMonitor(
    IKeyValueStore store,
    IDatabase database,
    AuditTrail audit,
    StoreWriter writer,
    MirrorSeal seal,
    TimeProvider time,
    IOptions<IntegrityOptions> options,
    ILogger<IntegrityMonitor> logger) : IHostedService, IDisposable
{
    const string SystemActor = "system";
    // Not an ETag the store can have: the writer sees the mirror "moved", reloads it and re-reads the store.
    const string RepairedETag = "mirror-repaired";

    readonly CancellationTokenSource stopping = new();
    Task? loop;

    public IntegrityReport Report { get; private set; } = IntegrityReport.Initial;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the writer starts (registered ahead of it): it then loads a mirror already repaired.
        await CheckAsync(writerRunning: false, cancellationToken);
        loop = Task.Run(() => LoopAsync(stopping.Token), CancellationToken.None);
    }

    // The in-process test host can dispose the container before it stops the hosted services:
    // stopping after Dispose (or twice) is a no-op instead of an ObjectDisposedException that aborts the stop.
    bool disposed;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref disposed))
            return;
        await stopping.CancelAsync();
        if (loop is not null)
            await loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public void Dispose()
    {
        if (Volatile.Read(ref disposed))
            return;
        Volatile.Write(ref disposed, true);
        stopping.Cancel();
        stopping.Dispose();
    }

    async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.Interval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await CheckAsync(writerRunning: true, cancellationToken);
        }
    }

    /// <summary>Runs both checks now; a check that cannot run (store or database unreachable) keeps its last result.</summary>
    public async Task<IntegrityReport> CheckAsync(bool writerRunning, CancellationToken cancellationToken)
    {
        try
        {
            var drifted = await CheckMirrorAsync(cancellationToken);
            if (drifted is not null)
            {
                Report = Report with { Mirror = drifted.Count == 0 ? IntegrityReport.InSync : IntegrityReport.Drifted, DriftedKeys = drifted, MirrorCheckedAt = time.GetUtcNow() };
                if (drifted.Count > 0 && writerRunning)
                    await writer.CheckDriftAsync(cancellationToken);
            }
        }
        // Any failure to reach the store (credentials that do not resolve included) only postpones the
        // check: it must never stop the service from starting and answering /readyz with the cause.
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not compare the database mirror with the store; will try again");
        }
        try
        {
            await CheckAuditChainAsync(cancellationToken);
        }
        catch (DbException e)
        {
            logger.LogWarning(e, "Could not verify the audit chain; will try again");
        }
        return Report;
    }

    /// <summary>The keys whose mirror row differs from the store (repaired and audited); null when the store moved during the read.</summary>
    async Task<List<string>?> CheckMirrorAsync(CancellationToken cancellationToken)
    {
        var etag = (await store.DescribeAsync(cancellationToken)).ETag;
        var items = (await store.ReadAllAsync(cancellationToken)).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
        if ((await store.DescribeAsync(cancellationToken)).ETag != etag)
            return null;
        return await database.WriteLockedAsync<List<string>?>(async (connection, transaction) =>
        {
            // Only the same version can be compared; a mirror behind the store is the writer's to catch up.
            var mirrorETag = await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken);
            if (mirrorETag != etag)
                return mirrorETag is null ? [] : null;
            var (loaded, check) = await MirrorRepository.LoadAsync(connection, transaction, mirrorETag, seal, cancellationToken);
            // A partly checked mirror may lag the store in keys it did not read; the writer's next full re-read settles it (as external changes).
            if (check == SealCheck.Partial)
                return null;
            var mirror = loaded.Items;
            var drifted = mirror.Keys.Union(items.Keys)
                .Where(key => mirror.GetValueOrDefault(key) != items.GetValueOrDefault(key))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (drifted.Count == 0)
                return drifted;
            await audit.AppendAsync(connection, transaction, [.. drifted.Select(key => new AuditRecord(SystemActor, AuditActions.MirrorDrift, key, AuditOutcome.Detected,
                mirror.GetValueOrDefault(key), items.GetValueOrDefault(key), ETagBefore: etag, ETagAfter: etag,
                Detail: "the database mirror differed from the store; the store's value was restored in the mirror"))], cancellationToken);
            var repaired = StoreState.Of(items.ToImmutableSortedDictionary(StringComparer.Ordinal), RepairedETag, time.GetUtcNow()) with { Digest = seal.DigestOf(items) };
            await MirrorRepository.SaveAsync(connection, transaction, drifted.Select(key => (key, items.GetValueOrDefault(key))), repaired, seal, time.GetUtcNow(), cancellationToken, acknowledged: false);
            logger.LogError("The database mirror differed from the store in {Count} keys ({Keys}); restored from the store and audited as {Action}",
                drifted.Count, string.Join(", ", drifted.Take(20)), AuditActions.MirrorDrift);
            return drifted;
        }, cancellationToken);
    }

    async Task CheckAuditChainAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await ReadCheckpointAsync(cancellationToken);
        var verification = await audit.VerifyAfterAsync(checkpoint.Seq, checkpoint.Hash, cancellationToken);
        if (!verification.Valid)
        {
            Report = Report with { AuditChain = IntegrityReport.Broken, AuditFirstInvalidSeq = verification.FirstInvalidSeq, AuditVerifiedThrough = checkpoint.Seq };
            logger.LogError("The audit chain is broken at entry {Seq}: {Problem}", verification.FirstInvalidSeq, verification.Problem);
            return;
        }
        if (verification.Head is { } head && head.Seq > checkpoint.Seq)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(
                "INSERT INTO audit_checkpoint (id, seq, hash, verified_at) VALUES (1, @s, @h, @t) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, verified_at = excluded.verified_at",
                null, cancellationToken, ("s", head.Seq), ("h", head.Hash), ("t", time.GetUtcNow().ToUnixTimeMilliseconds()));
            checkpoint = head;
        }
        Report = Report with { AuditChain = IntegrityReport.Valid, AuditFirstInvalidSeq = null, AuditVerifiedThrough = checkpoint.Seq };
    }

    async Task<(long Seq, string Hash)> ReadCheckpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync("SELECT seq, hash FROM audit_checkpoint WHERE id = 1", r => (r.GetInt64(0), r.GetString(1)), null, cancellationToken);
        return rows.Count == 0 ? (0, AuditEntry.GenesisHash) : rows[0];
    }
}
