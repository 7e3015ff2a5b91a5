using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Origins;

/// <summary>
/// Notes on origins live in the database, not in the KVS value: the function never reads them, KVS
/// values are readable by anyone with GetKey, every byte there counts against the 5 MB quota and
/// 1 KB value limit, and the function parses each value on the request path.
/// </summary>
sealed class OriginNotes(IDatabase database, AuditTrail audit, TimeProvider time)
{
    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(IReadOnlyCollection<string> origins, CancellationToken ct)
    {
        if (origins.Count == 0)
            return new Dictionary<string, string>();
        await using var connection = await database.OpenAsync(ct);
        var names = origins.Select((_, i) => $"@o{i}").ToList();
        var rows = await connection.QueryAsync($"SELECT origin, note FROM origin_notes WHERE origin IN ({string.Join(',', names)})",
            r => (r.GetString(0), r.GetString(1)), null, ct, [.. origins.Select((o, i) => ($"o{i}", (object?)o))]);
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    /// <summary>Sets (or with an empty note, removes) notes and audits each change, in one transaction.</summary>
    public Task SetAsync(IReadOnlyCollection<(string Origin, string Note)> notes, Actor actor, CancellationToken ct) =>
        database.WriteLockedAsync(async (connection, transaction) =>
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
                records.Add(new(actor.Name, "origin.note", origin, AuditOutcome.Success, before, after, actor.RequestId, actor.Client));
            }
            await audit.AppendAsync(connection, transaction, records, ct);
            return records.Count;
        }, ct);
}
