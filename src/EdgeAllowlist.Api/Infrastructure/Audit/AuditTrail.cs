using System.Runtime.CompilerServices;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Api.Infrastructure.Store;

namespace EdgeAllowlist.Api.Infrastructure.Audit;

public sealed record AuditFilter(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Actor = null,
    string? Action = null,
    string? Target = null,
    string? Outcome = null,
    long? Before = null);

public sealed record AuditVerification(bool Valid, long Entries, long? FirstInvalidSeq, string? Problem)
{
    /// <summary>The last entry checked when the chain is valid (null if there were none after the starting point).</summary>
    public (long Seq, string Hash)? Head { get; init; }
}

/// <summary>
/// Appends to and reads the hash-chained trail. Appends happen only inside the database-wide write
/// lock, so the chain head read before an insert is still the head when the insert commits.
/// </summary>
public sealed class AuditTrail(IDatabase database, TimeProvider time, ApiMetrics metrics)
{
    const string Columns = "seq, ts, actor, action, target, outcome, before_json, after_json, request_id, client, etag_before, etag_after, detail, prev_hash, hash";
    const string HashedColumns = "seq, ts, actor, COALESCE(hashed_action, action), COALESCE(hashed_target, target), outcome, before_json, after_json, request_id, client, etag_before, etag_after, detail, prev_hash, hash";

    public Task<IReadOnlyList<AuditEntry>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) =>
        database.WriteLockedAsync((connection, transaction) => AppendAsync(connection, transaction, records, cancellationToken), cancellationToken);

    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default) =>
        (await AppendAsync([record], cancellationToken))[0];

    /// <summary>Appends inside a transaction the caller opened with <see cref="IDatabase.WriteLockedAsync{T}"/>.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AppendAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0)
            return [];
        var head = await connection.QueryAsync(
            "SELECT seq, hash, ts FROM audit_entries ORDER BY seq DESC LIMIT 1",
            r => (Seq: r.GetInt64(0), Hash: r.GetString(1), Time: r.GetInt64(2)), transaction, cancellationToken);
        var (seq, prevHash, headTime) = head.Count == 0 ? (0L, AuditEntry.GenesisHash, 0L) : head[0];
        // Time never runs backwards along the chain (a clock step back repeats the last time), so a
        // time range is also a seq range and queries can use the primary key.
        var unixMs = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), headTime);
        var appended = new List<AuditEntry>(records.Count);
        // A secret-shaped value in a path or message (a secret pasted as an id) is never kept, whoever records it.
        foreach (var given in records.Select(SecretRedaction.Redact))
        {
            var record = given with { Target = KvsLayout.AuditTarget(given.Target) };
            seq++;
            var hash = AuditEntry.ComputeHash(seq, unixMs, record, prevHash);
            await connection.ExecuteAsync(
                $"INSERT INTO audit_entries ({Columns}) VALUES (@seq, @ts, @actor, @action, @target, @outcome, @before, @after, @rid, @client, @eb, @ea, @detail, @prev, @hash)",
                transaction, cancellationToken,
                ("seq", seq), ("ts", unixMs), ("actor", record.Actor), ("action", record.Action), ("target", record.Target),
                ("outcome", record.Outcome), ("before", record.Before), ("after", record.After), ("rid", record.RequestId),
                ("client", record.Client), ("eb", record.ETagBefore), ("ea", record.ETagAfter), ("detail", record.Detail),
                ("prev", prevHash), ("hash", hash));
            appended.Add(new(seq, DateTimeOffset.FromUnixTimeMilliseconds(unixMs), record.Actor, record.Action, record.Target, record.Outcome,
                record.Before, record.After, record.RequestId, record.Client, record.ETagBefore, record.ETagAfter, record.Detail, prevHash, hash));
            prevHash = hash;
        }
        metrics.AuditEntriesAppended(records.Count);
        return appended;
    }

    /// <summary>Newest first; pass the last seq of a page as <see cref="AuditFilter.Before"/> for the next one.</summary>
    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (where, parameters) = await WhereAsync(connection, filter, cancellationToken);
        return await connection.QueryAsync(
            $"SELECT {Columns} FROM audit_entries{where} ORDER BY seq DESC LIMIT {limit}",
            Read, null, cancellationToken, parameters);
    }

    /// <summary>Every matching entry, oldest first, streamed so an export never holds the trail in memory.</summary>
    public IAsyncEnumerable<AuditEntry> StreamAsync(AuditFilter filter, CancellationToken cancellationToken = default) =>
        StreamAsync(Columns, filter, cancellationToken);

    async IAsyncEnumerable<AuditEntry> StreamAsync(string columns, AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken, long afterSeq = 0)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (where, parameters) = await WhereAsync(connection, filter, cancellationToken);
        if (afterSeq > 0)
        {
            where += (where.Length == 0 ? " WHERE " : " AND ") + "seq > @afterseq";
            parameters = [.. parameters, ("afterseq", afterSeq)];
        }
        await using var command = connection.Command($"SELECT {columns} FROM audit_entries{where} ORDER BY seq", null, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return Read(reader);
    }

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        VerifyAfterAsync(0, AuditEntry.GenesisHash, cancellationToken);

    /// <summary>
    /// Verifies the entries after <paramref name="afterSeq"/>, whose hash was verified earlier as
    /// <paramref name="afterHash"/>: the next entry must chain to that hash, so a rewrite of the
    /// checkpoint entry itself also breaks the chain here.
    /// </summary>
    public async Task<AuditVerification> VerifyAfterAsync(long afterSeq, string afterHash, CancellationToken cancellationToken = default)
    {
        var expectedSeq = afterSeq + 1;
        var prevHash = afterHash;
        (long, string)? head = null;
        if (afterSeq > 0)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            if ((string?)await connection.ScalarAsync("SELECT hash FROM audit_entries WHERE seq = @s", null, cancellationToken, ("s", afterSeq)) != afterHash)
                return new(false, afterSeq - 1, afterSeq, "the last verified entry was changed or removed since it was verified");
        }
        // Entries written before the one target form and the one action vocabulary keep what they were hashed with (DatabaseSchema's migrations).
        await foreach (var entry in StreamAsync(HashedColumns, new(), cancellationToken, afterSeq))
        {
            if (entry.Seq != expectedSeq)
                return new(false, expectedSeq - 1, expectedSeq, $"entry {expectedSeq} is missing");
            if (entry.PrevHash != prevHash)
                return new(false, expectedSeq - 1, entry.Seq, "prev_hash does not match the previous entry's hash");
            if (AuditEntry.ComputeHash(entry.Seq, entry.Time.ToUnixTimeMilliseconds(), entry.ToRecord(), entry.PrevHash) != entry.Hash)
                return new(false, expectedSeq - 1, entry.Seq, "hash does not match the entry's content");
            prevHash = entry.Hash;
            head = (entry.Seq, entry.Hash);
            expectedSeq++;
        }
        return new(true, expectedSeq - 1, null, null) { Head = head };
    }

    static async Task<(string Where, (string, object?)[] Parameters)> WhereAsync(DbConnection connection, AuditFilter filter, CancellationToken cancellationToken)
    {
        // Time bounds become seq bounds (one index seek each), which every other index is paired with.
        var fromSeq = filter.From is { } from
            ? await connection.ScalarAsync("SELECT seq FROM audit_entries WHERE ts >= @t ORDER BY ts, seq LIMIT 1", null, cancellationToken, ("t", from.ToUnixTimeMilliseconds())) ?? long.MaxValue
            : null;
        var toSeq = filter.To is { } to
            ? await connection.ScalarAsync("SELECT seq FROM audit_entries WHERE ts < @t ORDER BY ts DESC, seq DESC LIMIT 1", null, cancellationToken, ("t", to.ToUnixTimeMilliseconds())) ?? 0L
            : null;
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        void Add(string condition, string name, object? value)
        {
            if (value is null)
                return;
            conditions.Add(condition);
            parameters.Add((name, value));
        }
        Add("seq >= @fromseq", "fromseq", fromSeq is null ? null : Convert.ToInt64(fromSeq, System.Globalization.CultureInfo.InvariantCulture));
        Add("seq <= @toseq", "toseq", toSeq is null ? null : Convert.ToInt64(toSeq, System.Globalization.CultureInfo.InvariantCulture));
        Add("actor = @actor", "actor", filter.Actor);
        Add("action = @action", "action", filter.Action);
        Add("target = @target", "target", filter.Target is null ? null : KvsLayout.AuditTarget(filter.Target));
        Add("outcome = @outcome", "outcome", filter.Outcome);
        Add("seq < @before", "before", filter.Before);
        return (conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions), [.. parameters]);
    }

    static AuditEntry Read(DbDataReader r) => new(
        r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        r.NullableString(6), r.NullableString(7), r.NullableString(8), r.NullableString(9), r.NullableString(10), r.NullableString(11),
        r.NullableString(12), r.GetString(13), r.GetString(14));
}
