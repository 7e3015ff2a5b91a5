using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Tests.DesiredState;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Audit;

/// <summary>One target form for an origin, whichever path changed it, so a target query finds its whole history.</summary>
public sealed class AuditVocabularyTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_target_query_finds_an_origins_single_route_apply_rollback_and_external_changes()
    {
        const string origin = "https://history.vocabulary.example";
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();
        var withOrigin = await admin.ExportAsync();
        var document = withOrigin.DeepClone().AsObject();
        var origins = document["origins"]!.AsArray();
        origins.Remove(origins.Single(o => o!["origin"]!.GetValue<string>() == origin));
        await admin.ApplyOkAsync(document, force: true);
        var rollbackTo = (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(origin)}&action=origin.add"))["items"]!.AsArray().Single()!["seq"]!.GetValue<long>();
        (await admin.PostJsonAsync("/v1/desired-state/rollback", new { toSeq = rollbackTo, dryRun = false, force = true })).EnsureSuccessStatusCode();
        // Deleted in the console, found by the drift check.
        var store = host.Service<IKeyValueStore>();
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [], [$"o:{origin}"]);
        await admin.GetJsonAsync("/v1/status");

        var history = (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(origin)}"))["items"]!.AsArray();

        history.Select(e => e!["action"]!.GetValue<string>()).Reverse()
            .ShouldBe(["origin.add", "desired-state.apply", "desired-state.rollback", "kvs.external-change"]);
        history.ShouldAllBe(e => e!["target"]!.GetValue<string>() == origin);
        // The key form some clients used before still finds the same entries.
        (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString("o:" + origin)}"))["items"]!.AsArray().Count.ShouldBe(4);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Entries_written_with_the_key_form_are_migrated_and_the_chain_still_verifies()
    {
        const string origin = "https://legacy.vocabulary.example";
        var database = host.Service<IDatabase>();
        // An entry as an older version wrote it: the origin named by its KVS key, hashed that way.
        await database.WriteLockedAsync(async (connection, transaction) =>
        {
            var head = await connection.QueryAsync("SELECT seq, hash, ts FROM audit_entries ORDER BY seq DESC LIMIT 1",
                r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2)), transaction);
            var (seq, prev, ts) = head[0];
            var record = new AuditRecord("kvs-external", "kvs.external-change", "o:" + origin, AuditOutcome.Detected, null, "{}");
            await connection.ExecuteAsync(
                "INSERT INTO audit_entries (seq, ts, actor, action, target, outcome, before_json, after_json, prev_hash, hash) VALUES (@s, @ts, @a, @ac, @t, @o, NULL, @af, @p, @h)",
                transaction, default, ("s", seq + 1), ("ts", ts), ("a", record.Actor), ("ac", record.Action), ("t", record.Target), ("o", record.Outcome),
                ("af", record.After), ("p", prev), ("h", AuditEntry.ComputeHash(seq + 1, ts, record, prev)));
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE name = 'audit-origin-targets'", transaction);
            return true;
        });
        using var admin = host.Admin();
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();

        await DatabaseSchema.EnsureAsync(database);

        var entry = (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(origin)}"))["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["target"]!.GetValue<string>().ShouldBe(origin);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
        // Tampering with a migrated entry is still caught: verification uses the target it was hashed with.
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync("UPDATE audit_entries SET hashed_target = 'o:https://other.example' WHERE target = @t", null, default, ("t", origin));
        var tampered = (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>();
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync("UPDATE audit_entries SET hashed_target = @k WHERE target = @t", null, default, ("k", "o:" + origin), ("t", origin));
        tampered.ShouldBeFalse();
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }
}
