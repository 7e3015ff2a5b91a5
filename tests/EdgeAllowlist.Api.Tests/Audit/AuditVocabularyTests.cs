using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Tests.DesiredState;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Audit;

/// <summary>
/// One target form and one action vocabulary for an item, whichever path changed it, so a target
/// query finds its whole history and an action query finds every change of that kind.
/// </summary>
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
            .ShouldBe([AuditActions.OriginAdd, AuditActions.OriginDelete, AuditActions.OriginAdd, AuditActions.ExternalChange]);
        history.ShouldAllBe(e => e!["target"]!.GetValue<string>() == origin);
        // The apply's and the rollback's item entries carry the request id of their summary entry.
        var chronological = history.Reverse().ToList();
        (await SummaryAsync(admin, AuditActions.DesiredStateApply))["requestId"]!.GetValue<string>().ShouldBe(chronological[1]!["requestId"]!.GetValue<string>());
        (await SummaryAsync(admin, AuditActions.DesiredStateRollback))["requestId"]!.GetValue<string>().ShouldBe(chronological[2]!["requestId"]!.GetValue<string>());
        (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(origin)}&action={AuditActions.OriginAdd}"))["items"]!.AsArray().Count.ShouldBe(2);
        // Nothing is written outside the one list.
        var all = (await admin.GetJsonAsync("/v1/audit?limit=1000"))["items"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()).Distinct().ToList();
        all.ShouldAllBe(action => AuditActions.All.Contains(action));
        // The key form some clients used before still finds the same entries.
        (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString("o:" + origin)}"))["items"]!.AsArray().Count.ShouldBe(4);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    static async Task<JsonNode> SummaryAsync(HttpClient admin, string action) =>
        (await admin.GetJsonAsync($"/v1/audit?action={action}&target={AuditActions.DesiredStateTarget}&limit=1"))["items"]!.AsArray().Single()!;

    [Fact]
    public async Task Apply_and_rollback_item_entries_written_with_the_desired_state_action_are_migrated_and_the_chain_still_verifies()
    {
        const string added = "https://legacy-apply-add.vocabulary.example";
        const string deleted = "https://legacy-apply-delete.vocabulary.example";
        var database = host.Service<IDatabase>();
        // Entries as an older version wrote them: an apply's and a rollback's item entries under the desired-state actions.
        await InsertAsync(database, "audit-item-actions",
            new AuditRecord("ci", AuditActions.DesiredStateApply, added, AuditOutcome.Success, null, "{}", "req-1"),
            new AuditRecord("ci", AuditActions.DesiredStateRollback, deleted, AuditOutcome.Success, "{}", null, "req-2"),
            new AuditRecord("ci", AuditActions.DesiredStateApply, "cfg", AuditOutcome.Success, "{}", "{\"deny\":403}", "req-1"),
            new AuditRecord("ci", AuditActions.DesiredStateApply, AuditActions.DesiredStateTarget, AuditOutcome.Success, null, null, "req-1"));
        using var admin = host.Admin();
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();

        await DatabaseSchema.EnsureAsync(database);

        (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(added)}"))["items"]!.AsArray().ShouldHaveSingleItem()!["action"]!.GetValue<string>().ShouldBe(AuditActions.OriginAdd);
        (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(deleted)}"))["items"]!.AsArray().ShouldHaveSingleItem()!["action"]!.GetValue<string>().ShouldBe(AuditActions.OriginDelete);
        var summaries = (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.DesiredStateApply}"))["items"]!.AsArray();
        summaries.ShouldAllBe(e => e!["target"]!.GetValue<string>() == AuditActions.DesiredStateTarget);
        summaries.ShouldContain(e => e!["requestId"]!.GetValue<string>() == "req-1");
        (await admin.GetJsonAsync("/v1/audit?target=cfg&limit=1"))["items"]!.AsArray().Single()!["action"]!.GetValue<string>().ShouldBe(AuditActions.SettingsUpdate);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
        // Tampering with a migrated entry is still caught: verification uses the action it was hashed with.
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync("UPDATE audit_entries SET hashed_action = @a WHERE target = @t", null, default, ("a", AuditActions.OriginAdd), ("t", added));
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeFalse();
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync("UPDATE audit_entries SET hashed_action = @a WHERE target = @t", null, default, ("a", AuditActions.DesiredStateApply), ("t", added));
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    /// <summary>Appends entries hashed as written, bypassing today's trail, and forgets that <paramref name="migration"/> ran.</summary>
    static Task InsertAsync(IDatabase database, string migration, params AuditRecord[] records) =>
        database.WriteLockedAsync(async (connection, transaction) =>
        {
            var head = await connection.QueryAsync("SELECT seq, hash, ts FROM audit_entries ORDER BY seq DESC LIMIT 1",
                r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2)), transaction);
            var (seq, prev, ts) = head[0];
            foreach (var record in records)
            {
                seq++;
                var hash = AuditEntry.ComputeHash(seq, ts, record, prev);
                await connection.ExecuteAsync(
                    "INSERT INTO audit_entries (seq, ts, actor, action, target, outcome, before_json, after_json, request_id, prev_hash, hash) VALUES (@s, @ts, @a, @ac, @t, @o, @b, @af, @r, @p, @h)",
                    transaction, default, ("s", seq), ("ts", ts), ("a", record.Actor), ("ac", record.Action), ("t", record.Target), ("o", record.Outcome),
                    ("b", record.Before), ("af", record.After), ("r", record.RequestId), ("p", prev), ("h", hash));
                prev = hash;
            }
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE name = @n", transaction, default, ("n", migration));
            return true;
        });

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
