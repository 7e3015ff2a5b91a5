using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>The store as the writer last saw it: the values, their total size and the ETag.</summary>
public sealed record StoreState(ImmutableSortedDictionary<string, string> Items, long TotalBytes, string? ETag, DateTimeOffset? LastChange)
{
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

    public static async Task<StoreState> LoadAsync(DbConnection connection, DbTransaction transaction, string? etag, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync("SELECT kvs_key, kvs_value FROM kvs_snapshot", r => (r.GetString(0), r.GetString(1)), transaction, cancellationToken);
        var items = rows.ToImmutableSortedDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
        var changed = await connection.ScalarAsync("SELECT updated_at FROM kvs_state WHERE id = 1", transaction, cancellationToken);
        return StoreState.Of(items, etag, changed is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(changed, CultureInfo.InvariantCulture)));
    }

    /// <summary>Applies <paramref name="changes"/> (null value: deleted) and records <paramref name="etag"/> as the mirror's ETag.</summary>
    public static async Task SaveAsync(DbConnection connection, DbTransaction transaction, IEnumerable<(string Key, string? Value)> changes, string etag, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (key, value) in changes)
        {
            if (value is null)
                await connection.ExecuteAsync("DELETE FROM kvs_snapshot WHERE kvs_key = @k", transaction, cancellationToken, ("k", key));
            else
                await connection.ExecuteAsync(
                    "INSERT INTO kvs_snapshot (kvs_key, kvs_value) VALUES (@k, @v) ON CONFLICT (kvs_key) DO UPDATE SET kvs_value = excluded.kvs_value",
                    transaction, cancellationToken, ("k", key), ("v", value));
        }
        await connection.ExecuteAsync(
            "INSERT INTO kvs_state (id, etag, updated_at) VALUES (1, @e, @t) ON CONFLICT (id) DO UPDATE SET etag = excluded.etag, updated_at = excluded.updated_at",
            transaction, cancellationToken, ("e", etag), ("t", now.ToUnixTimeMilliseconds()));
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
