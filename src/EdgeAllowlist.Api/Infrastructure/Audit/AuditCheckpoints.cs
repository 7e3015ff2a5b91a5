using System.Text.Json;
using EdgeAllowlist.Api.Infrastructure.Audit.Signing;
using EdgeAllowlist.Audit;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Audit;

/// <summary>
/// Signs a checkpoint every <see cref="AuditOptions.CheckpointEvery"/> entries or
/// <see cref="AuditOptions.CheckpointInterval"/>, whichever comes first, into <c>audit_checkpoints</c>,
/// and publishes the newest one outside the database, in <see cref="AuditOptions.CheckpointFile"/>
/// (and in the log). The file is beside the store, not in the KVS: the KVS is the edge's data, with
/// a 5 MB quota and the writer's If-Match sequence, and a key written there every minute would
/// contend with rule changes; a file costs nothing and an attacker who holds only the database
/// cannot roll it back. Before it signs, it checks the entries since the last checkpoint (that the
/// signed head is still there and the chain runs from it to the new head), so it never signs over a
/// cut or rewritten trail.
/// </summary>
public sealed class AuditCheckpoints(
    IDatabase database,
    AuditSigning signing,
    TimeProvider time,
    IOptions<AuditOptions> options,
    IConfiguration configuration,
    ILogger<AuditCheckpoints> logger) : BackgroundService
{
    const string Columns = "id, entry_count, head_hash, ts, prev_digest, key_id, signature";
    readonly SemaphoreSlim gate = new(1, 1);

    public string PublishedPath => options.Value.CheckpointFile is { Length: > 0 } path ? path : Path.Combine(configuration.DataDirectory(), "audit-checkpoint.json");

    /// <summary>Why the last attempt did not sign (null after a checkpoint or when none was due).</summary>
    public string? Refused { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Polled, not only woken by appends: the interval checkpoint is due with or without new
        // entries, and another instance sharing the database appends where no event reaches us.
        var poll = options.Value.CheckpointInterval < TimeSpan.FromSeconds(1) ? options.Value.CheckpointInterval : TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckpointIfDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database or KMS unreachable: the next round tries again; verification reports the gap as stale.
                logger.LogWarning(e, "Could not sign an audit checkpoint; will try again");
            }
            try
            {
                await Task.Delay(poll, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Signs a checkpoint now if one is due; returns it, or null when none was due or signing was refused (<see cref="Refused"/>).</summary>
    public async Task<AuditCheckpoint?> CheckpointIfDueAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var latest = await LatestAsync(connection, cancellationToken);
            var heads = await connection.QueryAsync("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1", r => (Seq: r.GetInt64(0), Hash: r.GetString(1)), null, cancellationToken);
            var head = heads.Count == 0 ? (Seq: 0L, Hash: AuditEntry.GenesisHash) : heads[0];
            var now = time.GetUtcNow();
            var settings = options.Value;
            if (latest is not null && head.Seq - latest.Count < settings.CheckpointEvery && now - latest.Time < settings.CheckpointInterval)
                return null;
            if (await RefusalAsync(connection, latest, head, cancellationToken) is { } refusal)
            {
                if (Refused != refusal)
                    logger.LogError("Not signing an audit checkpoint: {Refusal}", refusal);
                Refused = refusal;
                return null;
            }
            var key = await signing.KeyAsync(cancellationToken);
            var checkpoint = await AuditCheckpoint.SignAsync(signing.Signer, key, (latest?.Id ?? 0) + 1, head.Seq, head.Hash, now, latest?.DigestHex() ?? AuditEntry.GenesisHash, cancellationToken);
            // Another instance sharing the database may have signed the same number first: then its checkpoint stands.
            var inserted = await connection.ExecuteAsync(
                $"INSERT INTO audit_checkpoints ({Columns}) VALUES (@id, @c, @h, @t, @p, @k, @s) ON CONFLICT (id) DO NOTHING", null, cancellationToken,
                ("id", checkpoint.Id), ("c", checkpoint.Count), ("h", checkpoint.HeadHash), ("t", checkpoint.Time.ToUnixTimeMilliseconds()),
                ("p", checkpoint.PrevDigest), ("k", checkpoint.KeyId), ("s", checkpoint.Signature));
            if (inserted == 0)
                return null;
            Refused = null;
            Publish(checkpoint);
            logger.LogInformation("Signed audit checkpoint {Id}: {Count} entries, head {HeadHash}, digest {Digest}", checkpoint.Id, checkpoint.Count, checkpoint.HeadHash, checkpoint.DigestHex());
            return checkpoint;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Why the trail since <paramref name="latest"/> must not be signed, or null: the incremental check.</summary>
    async Task<string?> RefusalAsync(DbConnection connection, AuditCheckpoint? latest, (long Seq, string Hash) head, CancellationToken cancellationToken)
    {
        if (ReadPublished() is { } published && (latest is null || published.Id > latest.Id))
            return $"checkpoint {published.Id}, published in {PublishedPath}, is not in the database: its checkpoints were removed";
        var from = latest?.Count ?? 0;
        if (from > head.Seq)
            return $"checkpoint {latest!.Id} covers {from} entries but the trail ends at entry {head.Seq}";
        var prev = latest?.HeadHash ?? AuditEntry.GenesisHash;
        if (from > 0 && (string?)await connection.ScalarAsync("SELECT hash FROM audit_entries WHERE seq = @s", null, cancellationToken, ("s", from)) != latest!.HeadHash)
            return $"entry {from} is not the one checkpoint {latest.Id} signed";
        var expected = from + 1;
        await using var command = connection.Command($"SELECT {AuditTrail.Columns} FROM audit_entries WHERE seq > @from AND seq <= @to ORDER BY seq", null, ("from", from), ("to", head.Seq));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var entry = AuditTrail.Read(reader);
            if (entry.Seq != expected || entry.PrevHash != prev
                || AuditEntry.ComputeHash(entry.Seq, entry.Time.ToUnixTimeMilliseconds(), entry.ToRecord(), entry.PrevHash) != entry.Hash)
                return $"the chain breaks at entry {Math.Min(entry.Seq, expected)} since checkpoint {latest?.Id ?? 0}";
            prev = entry.Hash;
            expected++;
        }
        return null;
    }

    public async Task<IReadOnlyList<AuditCheckpoint>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryAsync($"SELECT {Columns} FROM audit_checkpoints ORDER BY id", Read, null, cancellationToken);
    }

    static async Task<AuditCheckpoint?> LatestAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync($"SELECT {Columns} FROM audit_checkpoints ORDER BY id DESC LIMIT 1", Read, null, cancellationToken)).FirstOrDefault();

    static AuditCheckpoint Read(DbDataReader r) =>
        new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetString(4), r.GetString(5), r.GetString(6));

    /// <summary>The checkpoint published outside the database; null when there is none (or it cannot be read, which verification then cannot use).</summary>
    public AuditCheckpoint? ReadPublished()
    {
        try
        {
            return File.Exists(PublishedPath) ? JsonSerializer.Deserialize<AuditCheckpoint>(File.ReadAllText(PublishedPath), JsonSerializerOptions.Web) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not read the published audit checkpoint {Path}", PublishedPath);
            return null;
        }
    }

    /// <summary>Written to a temporary file and renamed over the old one, so a reader never sees half a checkpoint.</summary>
    void Publish(AuditCheckpoint checkpoint)
    {
        var temporary = PublishedPath + ".tmp";
        using (var file = PrivateFiles.Open(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            JsonSerializer.Serialize(file, checkpoint, JsonSerializerOptions.Web);
        File.Move(temporary, PublishedPath, overwrite: true);
    }
}
