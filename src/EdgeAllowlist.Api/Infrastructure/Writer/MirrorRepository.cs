using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>The store as the writer last saw it: the values, their total size and the ETag.</summary>
public sealed record StoreState(ImmutableSortedDictionary<string, string> Items, long TotalBytes, string? ETag, DateTimeOffset? LastChange)
{
    /// <summary>The <see cref="MirrorSeal"/> digest of <see cref="Items"/>, kept up to date by the writer so a save seals without a pass over every row.</summary>
    public BigInteger Digest { get; init; }

    /// <summary>The embedded store's version at <see cref="ETag"/>; null for a CloudFront KVS.</summary>
    public long? Version { get; init; }

    /// <summary>
    /// Null when <see cref="Items"/> is the whole store at <see cref="ETag"/>. After a conflict that
    /// was caught up by reading only the keys it touched, the keys known to hold the store's value at
    /// this ETag (those read, and those written since); any other key may be stale until the next
    /// full re-read, which the writer owes (<see cref="StoreWriter"/> runs it in the background).
    /// </summary>
    public ImmutableHashSet<string>? Fresh { get; init; }

    /// <summary>
    /// How many times the mirror had been saved when this state was loaded from it or saved to it (<c>kvs_state.ack_seq</c>);
    /// null when unknown. Another instance may save the mirror at the same ETag (completing a partly checked one), so the ETag alone does not say the rows are still these.
    /// </summary>
    public long? MirrorSeq { get; init; }

    public static readonly StoreState Empty = new(ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal), 0, null, null);

    public static StoreState Of(ImmutableSortedDictionary<string, string> items, string? etag, DateTimeOffset? lastChange) =>
        new(items, items.Sum(i => KvsLimits.EntrySize(i.Key, i.Value)), etag, lastChange);
}

/// <summary>
/// The database's copy of the store (tables <c>kvs_snapshot</c>, <c>kvs_state</c>) and the journal
/// of write intents (<c>write_intents</c>): the only class that reads or writes them. Instances that
/// share a database (<see cref="IDatabase.IsShared"/>) share this mirror, so its ETag is how one
/// instance learns that another one wrote. Methods taking a transaction run inside the writer's
/// <see cref="IDatabase.WriteLockedAsync{T}"/>; the others open their own connection.
/// </summary>
public sealed class MirrorRepository(IDatabase database, Audit.Signing.AuditSigning signing)
{
    /// <summary>True when other instances may write this mirror, so its ETag must be checked before answering.</summary>
    public bool IsShared => database.IsShared;

    /// <summary>The ETag the mirror was last saved at; null before the first save.</summary>
    public static async Task<string?> ReadETagAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        (string?)await connection.ScalarAsync("SELECT etag FROM kvs_state WHERE id = 1", transaction, cancellationToken);

    /// <summary>The mirror's ETag, read on a connection of its own.</summary>
    public async Task<string?> ReadETagAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadETagAsync(connection, null, cancellationToken);
    }

    /// <summary>The mirror's rows with their digest, and what its seal says of them (<see cref="SealCheck.Valid"/> when the mirror is empty and was never saved).</summary>
    public static async Task<(StoreState State, SealCheck Check)> LoadAsync(DbConnection connection, DbTransaction transaction, string? etag, MirrorSeal seal, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync("SELECT kvs_key, kvs_value FROM kvs_snapshot", r => (r.GetString(0), r.GetString(1)), transaction, cancellationToken);
        var items = rows.ToImmutableSortedDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
        var meta = await connection.QueryAsync("SELECT updated_at, seal, ack_seq FROM kvs_state WHERE id = 1",
            r => (Changed: r.GetInt64(0), Seal: r.IsDBNull(1) ? null : r.GetString(1), Seq: r.IsDBNull(2) ? (long?)null : r.GetInt64(2)), transaction, cancellationToken);
        var digest = seal.DigestOf(items);
        var state = StoreState.Of(items, etag, meta.Count == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(meta[0].Changed)) with { Digest = digest, MirrorSeq = meta.Count == 0 ? null : meta[0].Seq };
        var check = etag is null && items.IsEmpty ? SealCheck.Valid : seal.Check(meta.Count == 0 ? null : meta[0].Seal, etag ?? "", items.Count, digest);
        return (check == SealCheck.Partial ? state with { Fresh = [] } : state, check);
    }

    /// <summary>
    /// What the database acknowledged of the store: the newest embedded-store version (null for a
    /// CloudFront KVS), and the order in which this service saw <paramref name="etags"/> (absent: never saw it).
    /// </summary>
    public static async Task<(long? Version, Dictionary<string, long> Seen)> ReadAcknowledgedAsync(DbConnection connection, DbTransaction transaction, IEnumerable<string?> etags, CancellationToken cancellationToken)
    {
        var version = await connection.ScalarAsync("SELECT acked_version FROM kvs_state WHERE id = 1", transaction, cancellationToken);
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var etag in etags.OfType<string>().Distinct())
        {
            if (await connection.ScalarAsync("SELECT seq FROM kvs_etags WHERE etag = @e", transaction, cancellationToken, ("e", etag)) is { } seq and not DBNull)
                seen[etag] = Convert.ToInt64(seq, CultureInfo.InvariantCulture);
        }
        return (version is null or DBNull ? null : Convert.ToInt64(version, CultureInfo.InvariantCulture), seen);
    }

    /// <summary>
    /// Applies <paramref name="changes"/> (null value: deleted) and records <paramref name="state"/>'s
    /// ETag, seal and version as the mirror's. With <paramref name="acknowledged"/> the ETag joins
    /// the ones this service has seen the store at, in order (a later store at an earlier one was
    /// rolled back), and the version raises the acknowledged one.
    /// </summary>
    /// <remarks>
    /// If the mirror was saved since <paramref name="state"/> was read from or saved to it (another instance
    /// completed it at the same ETag), its rows are not <paramref name="state"/>'s items: the seal is then made
    /// over the rows as they are after <paramref name="changes"/>, marked partly checked, so a full re-read
    /// settles what differs. The returned state says so (<see cref="StoreState.Fresh"/>) and carries the new save count.
    /// </remarks>
    public static async Task<StoreState> SaveAsync(DbConnection connection, DbTransaction transaction, IEnumerable<(string Key, string? Value)> changes, StoreState state, MirrorSeal seal,
        DateTimeOffset now, CancellationToken cancellationToken, bool acknowledged = true)
    {
        var etag = state.ETag!;
        var changed = changes.ToList();
        var savedSince = state.MirrorSeq is { } known && await connection.ScalarAsync("SELECT ack_seq FROM kvs_state WHERE id = 1", transaction, cancellationToken) is { } current and not DBNull
            && Convert.ToInt64(current, CultureInfo.InvariantCulture) != known;
        foreach (var (key, value) in changed)
        {
            if (value is null)
                await connection.ExecuteAsync("DELETE FROM kvs_snapshot WHERE kvs_key = @k", transaction, cancellationToken, ("k", key));
            else
                await connection.ExecuteAsync(
                    "INSERT INTO kvs_snapshot (kvs_key, kvs_value) VALUES (@k, @v) ON CONFLICT (kvs_key) DO UPDATE SET kvs_value = excluded.kvs_value",
                    transaction, cancellationToken, ("k", key), ("v", value));
        }
        await connection.ExecuteAsync(
            """
            INSERT INTO kvs_state (id, etag, updated_at, seal, acked_version, ack_seq) VALUES (1, @e, @t, @s, @v, 1)
            ON CONFLICT (id) DO UPDATE SET etag = excluded.etag, updated_at = excluded.updated_at, seal = excluded.seal,
                acked_version = CASE WHEN excluded.acked_version IS NULL OR kvs_state.acked_version > excluded.acked_version THEN kvs_state.acked_version ELSE excluded.acked_version END,
                ack_seq = COALESCE(kvs_state.ack_seq, 0) + 1
            """,
            transaction, cancellationToken, ("e", etag), ("t", now.ToUnixTimeMilliseconds()), ("s", await SealOfAsync()),
            ("v", acknowledged ? state.Version : null));
        if (acknowledged)
            await connection.ExecuteAsync("INSERT INTO kvs_etags (etag, seq) SELECT @e, ack_seq FROM kvs_state WHERE id = 1 ON CONFLICT (etag) DO NOTHING",
                transaction, cancellationToken, ("e", etag));
        var seq = Convert.ToInt64(await connection.ScalarAsync("SELECT ack_seq FROM kvs_state WHERE id = 1", transaction, cancellationToken), CultureInfo.InvariantCulture);
        return savedSince
            ? state with { MirrorSeq = seq, Fresh = (state.Fresh ?? []).Union(changed.Select(c => c.Key)) }
            : state with { MirrorSeq = seq };

        async Task<string> SealOfAsync()
        {
            if (!savedSince)
                return seal.Seal(etag, state.Items.Count, state.Digest, partial: state.Fresh is not null);
            var rows = await connection.QueryAsync("SELECT kvs_key, kvs_value FROM kvs_snapshot", r => (r.GetString(0), r.GetString(1)), transaction, cancellationToken);
            var items = rows.ToImmutableSortedDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
            return seal.Seal(etag, items.Count, seal.DigestOf(items), partial: true);
        }
    }

    /// <summary>
    /// After an operator accepted a rolled-back store: its version becomes the acknowledged one, and
    /// the ETags seen before it are forgotten so the store's own (perhaps an earlier one) is current again.
    /// </summary>
    public static async Task ResetAcknowledgedAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync("UPDATE kvs_state SET acked_version = NULL WHERE id = 1", transaction, cancellationToken);
        await connection.ExecuteAsync("DELETE FROM kvs_etags", transaction, cancellationToken);
    }

    /// <summary>Commits the intent in a transaction of its own, outside the write lock: it must survive whatever happens next.</summary>
    public async Task RecordIntentAsync(WriteIntent intent, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var signature = await signing.SignAsync(intent.Digest(), cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("INSERT INTO write_intents (id, etag_before, created_at, writes, signature) VALUES (@id, @e, @c, @w, @s)",
            null, cancellationToken, ("id", intent.Id), ("e", intent.ETagBefore), ("c", createdAt.ToUnixTimeMilliseconds()), ("w", JsonSerializer.Serialize(intent.Writes)), ("s", signature));
    }

    /// <summary>Drops an intent the store refused for certain; a failure here only leaves a harmless row for the next sync.</summary>
    public async Task ForgetIntentAsync(WriteIntent intent)
    {
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync("DELETE FROM write_intents WHERE id = @id", null, CancellationToken.None, ("id", intent.Id));
        }
        catch (DbException)
        {
        }
    }

    /// <summary>
    /// The whole journal, oldest first (it holds only intents planned since the store last moved, so
    /// it stays small), split into the rows this service signed and the ones it did not (forged).
    /// </summary>
    public async Task<(List<WriteIntent> Signed, List<WriteIntent> Forged)> ReadJournalAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync("SELECT id, etag_before, writes, signature FROM write_intents ORDER BY created_at, id",
            r => (Intent: new WriteIntent(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<List<IntentWrite>>(r.GetString(2))!), Signature: r.NullableString(3)),
            transaction, cancellationToken);
        var (signed, forged) = (new List<WriteIntent>(), new List<WriteIntent>());
        foreach (var (intent, signature) in rows)
            (await signing.VerifyAsync(intent.Digest(), signature, cancellationToken) ? signed : forged).Add(intent);
        return (signed, forged);
    }

    /// <summary>True when some intent was planned against <paramref name="etag"/>: one of them may be in the store with its answer lost.</summary>
    public static async Task<bool> HasIntentsAgainstAsync(DbConnection connection, DbTransaction transaction, string etag, CancellationToken cancellationToken) =>
        await connection.ScalarAsync("SELECT 1 FROM write_intents WHERE etag_before = @e LIMIT 1", transaction, cancellationToken, ("e", etag)) is not null;

    /// <summary>Drops intents that are settled: audited as applied, or never able to land.</summary>
    public static async Task ForgetIntentsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<WriteIntent> intents, CancellationToken cancellationToken)
    {
        foreach (var intent in intents)
            await connection.ExecuteAsync("DELETE FROM write_intents WHERE id = @id", transaction, cancellationToken, ("id", intent.Id));
    }

    /// <summary>Once the store is at <paramref name="etag"/>, no intent planned against another ETag can still be applied.</summary>
    public static Task DeleteStaleIntentsAsync(DbConnection connection, DbTransaction transaction, string etag, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("DELETE FROM write_intents WHERE etag_before <> @e", transaction, cancellationToken, ("e", etag));
}
