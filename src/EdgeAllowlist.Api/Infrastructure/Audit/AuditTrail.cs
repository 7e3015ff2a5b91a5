using System.Runtime.CompilerServices;
using System.Text;
using EdgeAllowlist.Api.Infrastructure.Crypto;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Infrastructure.Audit;

public sealed record AuditFilter(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Actor = null,
    string? Action = null,
    string? Target = null,
    string? Outcome = null,
    long? Before = null,
    string? TargetPrefix = null);

/// <summary>
/// Appends to and reads the hash-chained trail. Appends happen only inside the database-wide write
/// lock, so the chain head read before an insert is still the head when the insert commits.
/// </summary>
public sealed class AuditTrail(IDatabase database, TimeProvider time, ApiMetrics metrics)
{
    // The one set of columns: what a listing shows is what the hash covers (AuditRechain retired the shadow columns).
    internal const string Columns = "seq, ts, actor, action, target, outcome, before_json, after_json, request_id, client, etag_before, etag_after, detail, prev_hash, hash";

    public Task<IReadOnlyList<AuditEntry>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default) =>
        database.WriteLockedAsync((connection, transaction) => AppendAsync(connection, transaction, records, cancellationToken), cancellationToken);

    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken = default) =>
        (await AppendAsync([record], cancellationToken))[0];

    /// <summary>Appends inside a transaction the caller opened with <see cref="IDatabase.WriteLockedAsync{T}"/>.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AppendAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        var appended = await InsertAsync(connection, transaction, records, time.GetUtcNow(), cancellationToken);
        metrics.AuditEntriesAppended(appended.Count);
        return appended;
    }

    /// <summary>The append itself, for the schema's migrations too (which run before the service has its parts).</summary>
    internal static async Task<IReadOnlyList<AuditEntry>> InsertAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
            return [];
        var head = await connection.QueryAsync(
            "SELECT seq, hash, ts FROM audit_entries ORDER BY seq DESC LIMIT 1",
            r => (Seq: r.GetInt64(0), Hash: r.GetString(1), Time: r.GetInt64(2)), transaction, cancellationToken);
        var (seq, prevHash, headTime) = head.Count == 0 ? (0L, AuditEntry.GenesisHash, 0L) : head[0];
        // Time never runs backwards along the chain (a clock step back repeats the last time), so a
        // time range is also a seq range and queries can use the primary key.
        var unixMs = Math.Max(now.ToUnixTimeMilliseconds(), headTime);
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
        return appended;
    }

    /// <summary>Newest first; pass the last seq of a page as <see cref="AuditFilter.Before"/> for the next one.</summary>
    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (AuditActions.Family(filter.Action) is { Count: > 1 } family)
        {
            // One newest-first page per action of the family, each a backward walk of (action, seq),
            // merged: never every entry of a common family gathered and sorted.
            var (rest, shared) = await WhereAsync(connection, database.Provider, filter with { Action = null }, cancellationToken);
            var pages = family.Select((_, i) =>
                $"SELECT * FROM (SELECT {Columns} FROM audit_entries{(rest.Length == 0 ? " WHERE " : rest + " AND ")}action = @family{i} ORDER BY seq DESC LIMIT {limit}) page{i}");
            return await connection.QueryAsync(
                $"SELECT * FROM ({string.Join(" UNION ALL ", pages)}) family ORDER BY seq DESC LIMIT {limit}",
                Read, null, cancellationToken, [.. shared, .. family.Select((action, i) => ($"family{i}", (object?)action))]);
        }
        if (filter.TargetPrefix is { Length: > 0 })
            return await QueryByTargetPrefixAsync(connection, filter, limit, cancellationToken);
        var (where, parameters) = await WhereAsync(connection, database.Provider, filter, cancellationToken);
        return await connection.QueryAsync(
            $"SELECT {Columns} FROM audit_entries{where} ORDER BY seq DESC LIMIT {limit}",
            Read, null, cancellationToken, parameters);
    }

    /// <summary>Above this many entries under a prefix (in the time range), a page walks the trail backwards instead.</summary>
    internal const int NarrowPrefixEntries = 10_000;

    /// <summary>
    /// A prefix's newest page, by whichever of two plans is cheap for it. The entries under a prefix are
    /// one range of the target index but not in seq order, so counted first (at most
    /// <see cref="NarrowPrefixEntries"/> index entries, no rows read): a narrow prefix (a partner's secrets)
    /// has its seqs sorted from the index alone and only the page's rows read; a wide one (https://o3)
    /// is met often enough walking the trail newest first that the walk stops early.
    /// </summary>
    async Task<IReadOnlyList<AuditEntry>> QueryByTargetPrefixAsync(DbConnection connection, AuditFilter filter, int limit, CancellationToken cancellationToken)
    {
        // Both databases would rather walk a time range's seqs (reading each row for its target) than the
        // target index, whose entries hold seq too: with the seq bounds written so no index serves them
        // (and SQLite told which index), they read neither rows nor more than the prefix's index range.
        var (range, rangeParameters) = await WhereAsync(connection, database.Provider,
            new AuditFilter(From: filter.From, To: filter.To, TargetPrefix: filter.TargetPrefix, Before: filter.Before), cancellationToken, seqIndexed: false);
        var byTarget = database.Provider == PostgresDatabase.ProviderName ? "audit_entries" : "audit_entries INDEXED BY ix_audit_target";
        var entries = Convert.ToInt64(await connection.ScalarAsync(
            $"SELECT count(*) FROM (SELECT 1 FROM {byTarget}{range} LIMIT {NarrowPrefixEntries}) probe", null, cancellationToken, rangeParameters),
            System.Globalization.CultureInfo.InvariantCulture);
        var narrow = entries < NarrowPrefixEntries;
        var (where, parameters) = await WhereAsync(connection, database.Provider, filter, cancellationToken, prefixIndexed: narrow, seqIndexed: !narrow);
        return await connection.QueryAsync(narrow
                ? $"SELECT {Columns} FROM audit_entries WHERE seq IN (SELECT seq FROM {byTarget}{where} ORDER BY seq DESC LIMIT {limit}) ORDER BY seq DESC"
                : $"SELECT {Columns} FROM audit_entries{where} ORDER BY seq DESC LIMIT {limit}",
            Read, null, cancellationToken, parameters);
    }

    /// <summary>Every matching entry, oldest first, streamed so an export never holds the trail in memory.</summary>
    public async IAsyncEnumerable<AuditEntry> StreamAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (where, parameters) = await WhereAsync(connection, database.Provider, filter, cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM audit_entries{where} ORDER BY seq", null, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return Read(reader);
    }

    /// <summary>The whole trail, oldest first, in slices of short queries: a verification holds no read open for long.</summary>
    public async IAsyncEnumerable<AuditEntry> StreamInSlicesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int Slice = 5000;
        for (var after = 0L; ;)
        {
            List<AuditEntry> slice;
            await using (var connection = await database.OpenAsync(cancellationToken))
                slice = await connection.QueryAsync($"SELECT {Columns} FROM audit_entries WHERE seq > @after ORDER BY seq LIMIT {Slice}", Read, null, cancellationToken, ("after", after));
            foreach (var entry in slice)
                yield return entry;
            if (slice.Count < Slice)
                yield break;
            after = slice[^1].Seq;
        }
    }

    /// <param name="prefixIndexed">False: the target prefix written so that no index serves it (the walk along seq).</param>
    /// <param name="seqIndexed">False: the seq bounds (time, cursor) written so that no index serves them (the target prefix's index does).</param>
    static async Task<(string Where, (string, object?)[] Parameters)> WhereAsync(DbConnection connection, string provider, AuditFilter filter, CancellationToken cancellationToken,
        bool prefixIndexed = true, bool seqIndexed = true)
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
        var seq = seqIndexed ? "seq" : "seq + 0";
        Add($"{seq} >= @fromseq", "fromseq", fromSeq is null ? null : Convert.ToInt64(fromSeq, System.Globalization.CultureInfo.InvariantCulture));
        Add($"{seq} <= @toseq", "toseq", toSeq is null ? null : Convert.ToInt64(toSeq, System.Globalization.CultureInfo.InvariantCulture));
        Add("actor = @actor", "actor", filter.Actor);
        if (AuditActions.Family(filter.Action) is { } family)
        {
            // A family (secret.*) is the actions of the one vocabulary that it names; none: nothing matches.
            conditions.Add(family.Count == 0 ? "1 = 0" : $"action IN ({string.Join(", ", family.Select((_, i) => $"@family{i}"))})");
            parameters.AddRange(family.Select((action, i) => ($"family{i}", (object?)action)));
        }
        else
            Add("action = @action", "action", filter.Action);
        Add("target = @target", "target", filter.Target is null ? null : KvsLayout.AuditTarget(filter.Target));
        if (filter.TargetPrefix is { Length: > 0 } prefix)
        {
            // A range in code point order, never LIKE (whose % _ \ would need escaping): SQLite compares
            // TEXT bytewise (BINARY) and PostgreSQL does under COLLATE "C", which UTF-8 makes code point
            // order; under the database's own collation (en-US, ICU) "MediaTailor/x" would sort inside
            // the range of "mediatailor/". ix_audit_target (target, seq) serves it on SQLite and
            // ix_audit_target_prefix (target COLLATE "C", seq) on PostgreSQL.
            var postgres = provider == PostgresDatabase.ProviderName;
            var column = (postgres, prefixIndexed) switch
            {
                (true, true) => "target COLLATE \"C\"",
                (true, false) => "(target || '') COLLATE \"C\"",
                (false, true) => "target",
                (false, false) => "+target", // SQLite's unary + : the same value, no index
            };
            Add($"{column} >= @tprefix", "tprefix", prefix);
            Add($"{column} < @tprefixend", "tprefixend", PrefixEnd(prefix));
        }
        Add("outcome = @outcome", "outcome", filter.Outcome);
        Add($"{seq} < @before", "before", filter.Before);
        return (conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions), [.. parameters]);
    }

    /// <summary>
    /// The least string, in code point order, above every string that starts with <paramref name="prefix"/>:
    /// its last code point plus one (surrogates skipped), after dropping trailing U+10FFFF; null when
    /// there is none (the prefix is all U+10FFFF), so the range has no upper end.
    /// </summary>
    internal static string? PrefixEnd(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        while (runes.Count > 0)
        {
            var last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last < 0x10FFFF)
                return string.Concat(runes.Append(new Rune(last + 1 == 0xD800 ? 0xE000 : last + 1)));
        }
        return null;
    }

    internal static AuditEntry Read(DbDataReader r) => new(
        r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        r.NullableString(6), r.NullableString(7), r.NullableString(8), r.NullableString(9), r.NullableString(10), r.NullableString(11),
        r.NullableString(12), r.GetString(13), r.GetString(14));
}
