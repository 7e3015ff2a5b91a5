using System.Collections.Concurrent;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Features.Origins;

/// <summary>
/// Notes on origins live in the database, not in the KVS value: the function never reads them, KVS
/// values are readable by anyone with GetKey, every byte there counts against the 5 MB quota and
/// 1 KB value limit, and the function parses each value on the request path.
/// </summary>
sealed class OriginNotes(IDatabase database, AuditTrail audit, TimeProvider time)
{
    /// <summary>Bound parameters per query: SQLite allows 32,766 and PostgreSQL 65,535 in all, so a list never grows a query past this.</summary>
    const int MaxParametersPerQuery = 500;

    // With a database of its own (not shared) this instance is the only writer of notes, so it keeps
    // them all in memory and a page of origins costs no query: the query for a page's notes cost
    // more than the rest of the request. Instances sharing a database read them every time.
    readonly SemaphoreSlim writing = new(1, 1);
    volatile ConcurrentDictionary<string, string>? remembered;

    /// <summary>The notes of a few origins (a page, one item), read in chunks of at most <see cref="MaxParametersPerQuery"/>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(IReadOnlyCollection<string> origins, CancellationToken ct)
    {
        var notes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (origins.Count == 0)
            return notes;
        if (await RememberedAsync(ct) is { } all)
        {
            foreach (var origin in origins)
                if (all.TryGetValue(origin, out var note))
                    notes[origin] = note;
            return notes;
        }
        await using var connection = await database.OpenAsync(ct);
        foreach (var chunk in origins.Chunk(MaxParametersPerQuery))
        {
            var rows = await connection.QueryAsync($"SELECT origin, note FROM origin_notes WHERE origin IN ({string.Join(',', chunk.Select((_, i) => $"@o{i}"))})",
                r => (r.GetString(0), r.GetString(1)), null, ct, [.. chunk.Select((o, i) => ($"o{i}", (object?)o))]);
            foreach (var (origin, note) in rows)
                notes[origin] = note;
        }
        return notes;
    }

    /// <summary>
    /// Every note, in one pass over the table: for desired state, which needs the notes of every
    /// origin. The table holds only origins that have a note, so this reads no more than the rules do.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadAllAsync(CancellationToken ct) =>
        await RememberedAsync(ct) is { } all ? new Dictionary<string, string>(all, StringComparer.Ordinal) : await ReadTableAsync(ct);

    async Task<Dictionary<string, string>> ReadTableAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync("SELECT origin, note FROM origin_notes", r => (r.GetString(0), r.GetString(1)), null, ct);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>All notes as this instance keeps them; null when the database is shared.</summary>
    async Task<ConcurrentDictionary<string, string>?> RememberedAsync(CancellationToken ct)
    {
        if (database.IsShared)
            return null;
        if (remembered is { } all)
            return all;
        // Under the writers' lock, so a change committed while the table is read is not lost.
        await writing.WaitAsync(ct);
        try
        {
            return remembered ??= new(await ReadTableAsync(ct), StringComparer.Ordinal);
        }
        finally
        {
            writing.Release();
        }
    }

    /// <summary>Sets (or with an empty note, removes) notes and audits each change, in one transaction.</summary>
    public async Task SetAsync(IReadOnlyCollection<(string Origin, string Note)> notes, Actor actor, CancellationToken ct)
    {
        var all = await RememberedAsync(ct);
        await writing.WaitAsync(ct);
        try
        {
            var changed = await database.WriteLockedAsync(async (connection, transaction) =>
            {
                var records = new List<AuditRecord>();
                foreach (var (origin, note) in notes)
                {
                    var before = (string?)await connection.ScalarAsync("SELECT note FROM origin_notes WHERE origin = @o", transaction, ct, ("o", origin));
                    var after = note.Length == 0 ? null : note;
                    if (before == after)
                        continue;
                    if (after is null)
                        await connection.ExecuteAsync("DELETE FROM origin_notes WHERE origin = @o", transaction, ct, ("o", origin));
                    else
                        await connection.ExecuteAsync(
                            "INSERT INTO origin_notes (origin, note, updated_at, updated_by) VALUES (@o, @n, @t, @b) ON CONFLICT (origin) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                            transaction, ct, ("o", origin), ("n", after), ("t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("b", actor.Name));
                    records.Add(new(actor.Name, AuditActions.OriginNote, origin, AuditOutcome.Success, before, after, actor.RequestId, actor.Client));
                }
                await audit.AppendAsync(connection, transaction, records, ct);
                return records;
            }, ct);
            // After the commit: a failed one leaves the memory as the table is.
            if (all is not null)
                foreach (var change in changed)
                {
                    if (change.After is null)
                        all.TryRemove(change.Target, out _);
                    else
                        all[change.Target] = change.After;
                }
        }
        finally
        {
            writing.Release();
        }
    }
}
