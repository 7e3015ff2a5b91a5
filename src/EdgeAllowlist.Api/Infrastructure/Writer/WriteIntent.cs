using System.Text.Json;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>One key of an intent, with everything its audit entry needs.</summary>
public sealed record IntentWrite(string Key, string? Value, string? Before, string Actor, string Action, string Target, string? RequestId, string? Client);

/// <summary>
/// A chunk the writer is about to send with <c>If-Match: ETagBefore</c>, committed to the database
/// before the UpdateKeys call. If the process dies or the call goes unanswered, the store may hold
/// the change while the audit trail does not; recovery then finds these writes in the store and
/// audits them for the requester instead of as an anonymous external change. Only one UpdateKeys
/// can succeed from a given ETag, so once the store has moved past <see cref="ETagBefore"/> an
/// intent either is in the store now or never will be.
/// </summary>
public sealed record WriteIntent(string Id, string ETagBefore, IReadOnlyList<IntentWrite> Writes)
{
    public const string RecoveryDetail = "completed by recovery: the store applied this change but its answer was lost";

    /// <summary>True when every key of the intent holds the intended value in <paramref name="items"/>.</summary>
    public bool IsIn(IReadOnlyDictionary<string, string> items) => Writes.All(w => items.GetValueOrDefault(w.Key) == w.Value);

    public async Task RecordAsync(IDatabase database, long createdAt, CancellationToken cancellationToken)
    {
        // Its own committed transaction, outside the write lock: it must survive whatever happens next.
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("INSERT INTO write_intents (id, etag_before, created_at, writes) VALUES (@id, @e, @c, @w)",
            null, cancellationToken, ("id", Id), ("e", ETagBefore), ("c", createdAt), ("w", JsonSerializer.Serialize(Writes)));
    }

    /// <summary>Drops an intent the store refused for certain; a failure here only leaves a harmless row for the next sync.</summary>
    public async Task ForgetAsync(IDatabase database)
    {
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync("DELETE FROM write_intents WHERE id = @id", null, CancellationToken.None, ("id", Id));
        }
        catch (DbException)
        {
        }
    }

    /// <summary>The intents planned against <paramref name="etag"/>, oldest first.</summary>
    public static async Task<List<WriteIntent>> PlannedAgainstAsync(DbConnection connection, DbTransaction transaction, string etag, CancellationToken cancellationToken) =>
        await connection.QueryAsync("SELECT id, etag_before, writes FROM write_intents WHERE etag_before = @e ORDER BY created_at, id",
            r => new WriteIntent(r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<List<IntentWrite>>(r.GetString(2))!),
            transaction, cancellationToken, ("e", etag));

    /// <summary>Once the store is at <paramref name="etag"/>, no intent planned against another ETag can still be applied.</summary>
    public static Task DeleteStaleAsync(DbConnection connection, DbTransaction transaction, string etag, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("DELETE FROM write_intents WHERE etag_before <> @e", transaction, cancellationToken, ("e", etag));
}
