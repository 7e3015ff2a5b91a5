using System.Data.Common;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Tests.DesiredState;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Audit;

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
    public async Task Legacy_entries_are_relabelled_then_rechained_over_the_listed_columns_with_the_old_head_on_record()
    {
        const string added = "https://legacy-apply-add.vocabulary.example";
        const string deleted = "https://legacy-apply-delete.vocabulary.example";
        const string keyed = "https://legacy.vocabulary.example";
        var database = host.Service<IDatabase>();
        // The database as an older version left it: the shadow columns, and entries written with the
        // desired-state actions and the origin key form, hashed as written, not yet migrated.
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("ALTER TABLE audit_entries ADD COLUMN hashed_target TEXT NULL");
            await connection.ExecuteAsync("ALTER TABLE audit_entries ADD COLUMN hashed_action TEXT NULL");
        }
        await InsertAsync(database,
            new AuditRecord("ci", AuditActions.DesiredStateApply, added, AuditOutcome.Success, null, "{}", "req-1"),
            new AuditRecord("ci", AuditActions.DesiredStateRollback, deleted, AuditOutcome.Success, "{}", null, "req-2"),
            new AuditRecord("ci", AuditActions.DesiredStateApply, "cfg", AuditOutcome.Success, "{}", "{\"deny\":403}", "req-1"),
            new AuditRecord("ci", AuditActions.DesiredStateApply, AuditActions.DesiredStateTarget, AuditOutcome.Success, null, null, "req-1"),
            new AuditRecord("kvs-external", AuditActions.ExternalChange, "o:" + keyed, AuditOutcome.Detected, null, "{}"));
        var oldHead = await HeadAsync(database);

        await DatabaseSchema.EnsureAsync(database);

        using var admin = host.Admin();
        (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(added)}"))["items"]!.AsArray().ShouldHaveSingleItem()!["action"]!.GetValue<string>().ShouldBe(AuditActions.OriginAdd);
        (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(deleted)}"))["items"]!.AsArray().ShouldHaveSingleItem()!["action"]!.GetValue<string>().ShouldBe(AuditActions.OriginDelete);
        var summaries = (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.DesiredStateApply}"))["items"]!.AsArray();
        summaries.ShouldAllBe(e => e!["target"]!.GetValue<string>() == AuditActions.DesiredStateTarget);
        (await admin.GetJsonAsync("/v1/audit?target=cfg&limit=1"))["items"]!.AsArray().Single()!["action"]!.GetValue<string>().ShouldBe(AuditActions.SettingsUpdate);
        var external = (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(keyed)}"))["items"]!.AsArray().ShouldHaveSingleItem()!;
        // The re-chaining is on the record, holding the old head, and names the relabelled entries.
        var rechain = (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.AuditRechain}"))["items"]!.AsArray().ShouldHaveSingleItem()!;
        rechain["seq"]!.GetValue<long>().ShouldBe(oldHead.Seq + 1);
        rechain["outcome"]!.GetValue<string>().ShouldBe(AuditOutcome.Success);
        var before = JsonNode.Parse(rechain["before"]!.GetValue<string>())!;
        before["seq"]!.GetValue<long>().ShouldBe(oldHead.Seq);
        before["hash"]!.GetValue<string>().ShouldBe(oldHead.Hash);
        rechain["detail"]!.GetValue<string>().ShouldContain("4 entries had been relabelled");
        rechain["detail"]!.GetValue<string>().ShouldContain(external["seq"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
        // One set of columns: the shadow ones are gone, and the listed values are the hashed ones.
        await using (var connection = await database.OpenAsync())
            await Should.ThrowAsync<DbException>(() => connection.ExecuteAsync("SELECT hashed_action FROM audit_entries"));
        var seq = external["seq"]!.GetValue<long>();
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync("UPDATE audit_entries SET target = 'https://other.example' WHERE seq = @s", null, default, ("s", seq));
        var tampered = await admin.GetJsonAsync("/v1/audit/verify");
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync("UPDATE audit_entries SET target = @t WHERE seq = @s", null, default, ("t", keyed), ("s", seq));
        tampered["valid"]!.GetValue<bool>().ShouldBeFalse();
        tampered["firstInvalidSeq"]!.GetValue<long>().ShouldBe(seq);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    static async Task<(long Seq, string Hash)> HeadAsync(IDatabase database)
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1", r => (r.GetInt64(0), r.GetString(1))))[0];
    }

    /// <summary>Appends entries hashed as written, bypassing today's trail, and forgets that the audit migrations ran.</summary>
    static Task InsertAsync(IDatabase database, params AuditRecord[] records) =>
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
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE name IN ('audit-item-actions', 'audit-origin-targets', 'audit-rechain')", transaction);
            return true;
        });
}
