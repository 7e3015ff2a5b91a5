using System.Collections.Immutable;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Integrity;

public sealed class IntegrityOptions : Configuration.ISettings
{
    public static string Section => "Integrity";

    /// <summary>
    /// How often the database mirror is compared with the whole store, and the audit trail verified
    /// in full. Each comparison lists every key of the store.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (Interval <= TimeSpan.Zero) yield return (nameof(Interval), $"must be positive (got {Interval})");
    }
}

/// <summary>What the last mirror check found, for /v1/status (the audit trail's is <see cref="AuditVerifier.Last"/>).</summary>
public sealed record IntegrityReport(
    string Mirror,
    IReadOnlyList<string> DriftedKeys,
    DateTimeOffset? MirrorCheckedAt)
{
    public const string Unchecked = "unchecked";
    public const string InSync = "in-sync";
    public const string Drifted = "drifted";
    public const string Valid = "valid";
    public const string Broken = "broken";

    public static readonly IntegrityReport Initial = new(Unchecked, [], null);
}

/// <summary>
/// Corruption in the database is found rather than served. At start, before the writer loads the
/// mirror, and then every <see cref="IntegrityOptions.Interval"/>:
/// <list type="bullet">
/// <item>the mirror (the writer's copy of the store in the database) is compared with the store, the
/// truth for rules, when both claim the same ETag. Rows that differ are audited as <c>mirror.drift</c>
/// (the store's value wins), rewritten from the store, and the writer reloads, so no answer comes from
/// a row the store does not hold. Status shows <c>drifted</c> with the keys until a check finds none.</item>
/// <item>the audit trail is verified in full (<see cref="AuditVerifier"/>): every entry, every signed
/// checkpoint, the published checkpoint and the newest checkpoint's age. At start this runs in the
/// background, so a long trail never delays serving; until it ends, status says <c>unchecked</c>.</item>
/// </list>
/// </summary>
public sealed class IntegrityMonitor(
    IKeyValueStore store,
    IDatabase database,
    AuditTrail audit,
    AuditVerifier verifier,
    StoreWriter writer,
    DatabaseStartup databaseStartup,
    MirrorSeal seal,
    TimeProvider time,
    IOptions<IntegrityOptions> options,
    ILogger<IntegrityMonitor> logger) : BackgroundService
{
    const string SystemActor = "system";
    // Not an ETag the store can have: the writer sees the mirror "moved", reloads it and re-reads the store.
    const string RepairedETag = "mirror-repaired";

    bool checkedAtStart;

    public IntegrityReport Report { get; private set; } = IntegrityReport.Initial;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the writer starts (registered ahead of it): it then loads a mirror already repaired.
        // A database not there yet must not hold the start: the first check then runs once it is, as
        // a check of a running writer (which repairs by reloading, whichever of the two starts first).
        checkedAtStart = databaseStartup.IsReady;
        if (checkedAtStart)
            await CheckMirrorNowAsync(writerRunning: false, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (checkedAtStart)
            await CheckAuditTrailNowAsync(cancellationToken);
        await LoopAsync(checkedAtStart, cancellationToken);
    }

    async Task LoopAsync(bool checkedAtStart, CancellationToken cancellationToken)
    {
        if (!checkedAtStart)
        {
            try
            {
                await databaseStartup.Ready.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await CheckAsync(writerRunning: true, cancellationToken);
        }
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
        await CheckMirrorNowAsync(writerRunning, cancellationToken);
        await CheckAuditTrailNowAsync(cancellationToken);
        return Report;
    }

    async Task CheckMirrorNowAsync(bool writerRunning, CancellationToken cancellationToken)
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
    }

    async Task CheckAuditTrailNowAsync(CancellationToken cancellationToken)
    {
        try
        {
            await verifier.VerifyAsync(cancellationToken);
        }
        // As for the mirror: a failed verification only postpones it. Now that this loop is a BackgroundService, an
        // exception escaping it would stop the host, and the service must keep answering whatever the check meets.
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not verify the audit trail; will try again");
        }
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

}
