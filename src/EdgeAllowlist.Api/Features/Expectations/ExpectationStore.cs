using System.Text.Json;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;
using ProbeRequest = EdgeAllowlist.Api.Features.Simulate.Run.Request;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>A built-in expectation someone muted: it is listed but no longer checked.</summary>
sealed record MutedBuiltIn(string Name, DateTimeOffset MutedAt, string MutedBy);

/// <summary>The admin's expectations and the muted built-ins, as one read: what a check runs with.</summary>
sealed record ExpectationSet(IReadOnlyList<ExpectationDefinition> Defined, IReadOnlyDictionary<string, MutedBuiltIn> Muted);

/// <summary>
/// The expectations live in the database only (the function never reads them): tables
/// <c>expectations</c> and <c>expectation_mutes</c>. Every change is audited in its own transaction.
/// </summary>
sealed class ExpectationStore(IDatabase database, AuditTrail audit, TimeProvider time)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public async Task<ExpectationSet> ReadAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var defined = await connection.QueryAsync("SELECT name, request, expect, reason FROM expectations ORDER BY name",
            ReadRow, null, ct);
        var muted = await connection.QueryAsync("SELECT name, muted_at, muted_by FROM expectation_mutes",
            r => new MutedBuiltIn(r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2)), null, ct);
        return new(defined, muted.ToDictionary(m => m.Name, StringComparer.Ordinal));
    }

    /// <summary>Adds and audits; false when the name is taken.</summary>
    public Task<bool> AddAsync(ExpectationDefinition definition, Actor actor, CancellationToken ct) =>
        database.WriteLockedAsync(async (connection, transaction) =>
        {
            if (await connection.ScalarAsync("SELECT 1 FROM expectations WHERE name = @n", transaction, ct, ("n", definition.Name)) is not null)
                return false;
            await InsertAsync(connection, transaction, definition, actor, ct);
            return true;
        }, ct);

    /// <summary>Deletes and audits; false when there is none of that name.</summary>
    public Task<bool> DeleteAsync(string name, Actor actor, CancellationToken ct) =>
        database.WriteLockedAsync(async (connection, transaction) =>
            await DeleteAsync(connection, transaction, name, actor, ct), ct);

    /// <summary>
    /// Makes the admin's expectations exactly <paramref name="wanted"/> (desired-state apply): each
    /// one added, removed or changed is one audit entry, all in one transaction.
    /// </summary>
    public Task<int> ReplaceAllAsync(IReadOnlyList<ExpectationDefinition> wanted, Actor actor, CancellationToken ct) =>
        database.WriteLockedAsync(async (connection, transaction) =>
        {
            var current = (await connection.QueryAsync("SELECT name, request, expect, reason FROM expectations",
                ReadRow, transaction, ct))
                .ToDictionary(d => d.Name, StringComparer.Ordinal);
            var changed = 0;
            foreach (var name in current.Keys.Except(wanted.Select(w => w.Name), StringComparer.Ordinal).ToList())
            {
                await DeleteAsync(connection, transaction, name, actor, ct);
                changed++;
            }
            foreach (var definition in wanted)
            {
                if (current.TryGetValue(definition.Name, out var existing))
                {
                    if (Serialize(existing) == Serialize(definition))
                        continue;
                    await DeleteAsync(connection, transaction, definition.Name, actor, ct);
                }
                await InsertAsync(connection, transaction, definition, actor, ct);
                changed++;
            }
            return changed;
        }, ct);

    /// <summary>Mutes or unmutes a built-in, audited; false when it already was so.</summary>
    public Task<bool> SetMutedAsync(string name, bool muted, Actor actor, CancellationToken ct) =>
        database.WriteLockedAsync(async (connection, transaction) =>
        {
            var isMuted = await connection.ScalarAsync("SELECT 1 FROM expectation_mutes WHERE name = @n", transaction, ct, ("n", name)) is not null;
            if (isMuted == muted)
                return false;
            if (muted)
                await connection.ExecuteAsync("INSERT INTO expectation_mutes (name, muted_at, muted_by) VALUES (@n, @t, @b)", transaction, ct,
                    ("n", name), ("t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("b", actor.Name));
            else
                await connection.ExecuteAsync("DELETE FROM expectation_mutes WHERE name = @n", transaction, ct, ("n", name));
            await audit.AppendAsync(connection, transaction, [new AuditRecord(actor.Name, muted ? AuditActions.ExpectationMute : AuditActions.ExpectationUnmute, name, AuditOutcome.Success,
                RequestId: actor.RequestId, Client: actor.Client)], ct);
            return true;
        }, ct);

    public static string Serialize(ExpectationDefinition definition) => JsonSerializer.Serialize(definition, Json);

    static ExpectationDefinition ReadRow(DbDataReader r) =>
        new(r.GetString(0), JsonSerializer.Deserialize<ProbeRequest>(r.GetString(1), Json)!, r.GetString(2), r.NullableString(3));

    async Task InsertAsync(DbConnection connection, DbTransaction transaction, ExpectationDefinition definition, Actor actor, CancellationToken ct)
    {
        await connection.ExecuteAsync("INSERT INTO expectations (name, request, expect, reason, created_at, created_by) VALUES (@n, @r, @e, @why, @t, @b)", transaction, ct,
            ("n", definition.Name), ("r", JsonSerializer.Serialize(definition.Request, Json)), ("e", definition.Expect), ("why", definition.Reason),
            ("t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("b", actor.Name));
        await audit.AppendAsync(connection, transaction, [new AuditRecord(actor.Name, AuditActions.ExpectationAdd, definition.Name, AuditOutcome.Success,
            After: Serialize(definition), RequestId: actor.RequestId, Client: actor.Client)], ct);
    }

    async Task<bool> DeleteAsync(DbConnection connection, DbTransaction transaction, string name, Actor actor, CancellationToken ct)
    {
        var before = await connection.QueryAsync("SELECT name, request, expect, reason FROM expectations WHERE name = @n",
            ReadRow, transaction, ct, ("n", name));
        if (before.Count == 0)
            return false;
        await connection.ExecuteAsync("DELETE FROM expectations WHERE name = @n", transaction, ct, ("n", name));
        await audit.AppendAsync(connection, transaction, [new AuditRecord(actor.Name, AuditActions.ExpectationDelete, name, AuditOutcome.Success,
            Before: Serialize(before[0]), RequestId: actor.RequestId, Client: actor.Client)], ct);
        return true;
    }
}
