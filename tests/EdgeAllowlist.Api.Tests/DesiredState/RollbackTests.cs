using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.DesiredState;

public sealed class RollbackTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Rolling_back_to_an_audit_entry_restores_exactly_the_rules_of_that_moment_and_keeps_secrets()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://a.rollback.example", note = "first" })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://b.rollback.example", expiresAt = DateTimeOffset.UtcNow.AddDays(5), note = "second" })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "regex", pattern = "^BadBot" })).EnsureSuccessStatusCode();
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", new { wildcardDepth = 2 })).EnsureSuccessStatusCode();
        var then = await admin.ExportAsync();
        var seq = (await admin.GetJsonAsync("/v1/audit?limit=1"))["items"]![0]!["seq"]!.GetValue<long>();

        (await admin.DeleteAsync("/v1/origins/https://a.rollback.example?force=true")).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://c.rollback.example" })).EnsureSuccessStatusCode();
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/origins/https://b.rollback.example", new { removeExpiry = true, note = "edited" })).EnsureSuccessStatusCode();
        // Each of these flips a built-in expectation (browsers denied, the forged MediaTailor request let in): forced.
        (await admin.PostJsonAsync("/v1/user-agents?force=true", new { list = "allow", kind = "substring", pattern = "LaterPlayer" })).EnsureSuccessStatusCode();
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { mode = "report" })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/partners", new { id = "rollback-partner", scope = "manifests" })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/partners/rollback-partner/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" })).EnsureSuccessStatusCode();
        var secretKeys = (await host.Service<IKeyValueStore>().ListAllAsync()).Keys.Where(k => k.StartsWith("x:", StringComparison.Ordinal)).ToList();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;

        var dryRun = await (await admin.PostJsonAsync("/v1/desired-state/rollback", new { toSeq = seq })).JsonAsync();

        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
        dryRun["applied"].ShouldBeNull();
        var plan = dryRun["plan"]!.AsObject();
        plan.Changes("origin", "add").Single()["id"]!.GetValue<string>().ShouldBe("https://a.rollback.example");
        plan.Changes("origin", "remove").Single()["id"]!.GetValue<string>().ShouldBe("https://c.rollback.example");
        plan.Changes("origin", "change").Single()["after"]!["note"]!.GetValue<string>().ShouldBe("second");
        plan.Changes("userAgent", "remove").Single()["before"]!["pattern"]!.GetValue<string>().ShouldBe("LaterPlayer");
        plan.Changes("setting", "change").Single()["id"]!.GetValue<string>().ShouldBe("mode");

        plan["flips"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ShouldContain("builtin:browsers:https://c.rollback.example");
        var applied = await admin.PostJsonAsync("/v1/desired-state/rollback?force=true", new { toSeq = seq, dryRun = false, expectedPlanDigest = plan["planDigest"]!.GetValue<string>() });
        applied.StatusCode.ShouldBe(HttpStatusCode.OK, await applied.Content.ReadAsStringAsync());

        var now = await admin.ExportAsync();
        now["origins"]!.ToJsonString().ShouldBe(then["origins"]!.ToJsonString());
        now["userAgents"]!.ToJsonString().ShouldBe(then["userAgents"]!.ToJsonString());
        now["settings"]!.ToJsonString().ShouldBe(then["settings"]!.ToJsonString());
        var store = await host.Service<IKeyValueStore>().ListAllAsync();
        secretKeys.ShouldAllBe(k => store.ContainsKey(k));
        (await admin.GetJsonAsync("/v1/audit?action=desired-state.rollback&limit=1"))["items"]!.AsArray().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_rollback_to_an_entry_that_does_not_exist_is_404_and_an_unforced_large_rollback_is_refused()
    {
        using var admin = host.Admin();
        var seq = (await admin.GetJsonAsync("/v1/audit?limit=1"))["items"]![0]!["seq"]!.GetValue<long>();
        (await (await admin.PostJsonAsync("/v1/desired-state/rollback", new { toSeq = seq + 1000 })).ShouldBeProblemAsync(HttpStatusCode.NotFound)).ErrorFields().ShouldContain("toSeq");

        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = Enumerable.Range(0, 11).Select(i => new { origin = $"https://r{i}.large-rollback.example" }) })).EnsureSuccessStatusCode();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;

        (await (await admin.PostJsonAsync("/v1/desired-state/rollback", new { toSeq = seq, dryRun = false })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldContain("force");
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
        // Removing the origins flips the browsers on them: ?force=true passes both the deletion gate and the flips.
        (await admin.PostJsonAsync("/v1/desired-state/rollback?force=true", new { toSeq = seq, dryRun = false })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.ExportAsync()).OriginNames().ShouldNotContain("https://r0.large-rollback.example");
    }

    [Fact]
    public async Task A_rule_written_outside_the_service_that_the_api_would_refuse_makes_the_rollback_a_422_naming_it()
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("o:not-an-origin", "{}")], []);
        try
        {
            (await admin.GetJsonAsync("/v1/status")).ShouldNotBeNull();
            var seq = (await admin.GetJsonAsync("/v1/audit?limit=1"))["items"]![0]!["seq"]!.GetValue<long>();

            var problem = await (await admin.PostJsonAsync("/v1/desired-state/rollback", new { toSeq = seq })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

            problem.ErrorFields().ShouldContain(f => f.StartsWith("origins[", StringComparison.Ordinal) && f.EndsWith("].origin", StringComparison.Ordinal), problem.ToJsonString());
        }
        finally
        {
            await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [], ["o:not-an-origin"]);
            (await admin.GetJsonAsync("/v1/status")).ShouldNotBeNull();
        }
    }
}
