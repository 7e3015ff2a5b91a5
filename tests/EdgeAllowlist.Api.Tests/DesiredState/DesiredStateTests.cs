using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.DesiredState;

public sealed class DesiredStateTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Export_lists_origins_with_expiry_and_note_user_agent_rules_settings_and_partners_and_never_a_secret()
    {
        using var admin = host.Admin();
        var expires = DateTimeOffset.UtcNow.AddDays(3);
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://Export.Example.com:443", expiresAt = expires, note = "launch week" })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/user-agents?force=true", new { list = "allow", kind = "substring", pattern = "ExportPlayer/1." })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/partners", new { id = "export-partner", scope = "manifests" })).EnsureSuccessStatusCode();
        var issued = await (await admin.PostJsonAsync("/v1/partners/export-partner/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" })).JsonAsync();
        var secret = issued["secret"]!.GetValue<string>();

        var response = await admin.GetAsync("/v1/desired-state");
        var text = await response.Content.ReadAsStringAsync();
        var document = JsonNode.Parse(text)!.AsObject();

        var origin = document["origins"]!.AsArray().Single(o => o!["origin"]!.GetValue<string>() == "https://export.example.com")!;
        origin["expiresAt"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds().ShouldBe(expires.ToUnixTimeSeconds());
        origin["note"]!.GetValue<string>().ShouldBe("launch week");
        document["userAgents"]!.AsArray().ShouldContain(u => u!["pattern"]!.GetValue<string>() == "ExportPlayer/1." && u["kind"]!.GetValue<string>() == "contains" && u["list"]!.GetValue<string>() == "allow");
        document["settings"]!["mode"]!.GetValue<string>().ShouldBe("enforce");
        document["partners"]!.AsArray().ShouldContain(p => p!["id"]!.GetValue<string>() == "export-partner" && p["scope"]!.GetValue<string>() == "manifests");
        var storeKeys = (await host.Service<IKeyValueStore>().ListAllAsync()).Keys.Where(k => k.StartsWith("x:", StringComparison.Ordinal)).ToList();
        storeKeys.ShouldNotBeEmpty();
        text.ShouldNotContain(secret);
        foreach (var key in storeKeys)
            text.ShouldNotContain(key[2..]);
        text.ShouldNotContain(issued["fingerprint"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_plan_of_an_unchanged_export_is_empty()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://unchanged.example.com", note = "kept" })).EnsureSuccessStatusCode();

        var plan = await admin.PlanAsync(await admin.ExportAsync());

        plan["changes"]!.AsArray().ShouldBeEmpty(plan.ToJsonString());
        plan.Count("additions").ShouldBe(0);
        plan["planDigest"]!.GetValue<string>().ShouldStartWith("sha256:");
    }

    [Fact]
    public async Task A_plan_lists_additions_deletions_and_changes_with_counts_and_writes_nothing()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = new[] { new { origin = "https://keep.plan.example" }, new { origin = "https://drop.plan.example" }, new { origin = "https://note.plan.example" } } })).EnsureSuccessStatusCode();
        var document = await admin.ExportAsync();
        var origins = document["origins"]!.AsArray();
        origins.Remove(origins.Single(o => o!["origin"]!.GetValue<string>() == "https://drop.plan.example"));
        origins.Single(o => o!["origin"]!.GetValue<string>() == "https://note.plan.example")!["note"] = "now with a note";
        origins.Add(DesiredStateCalls.Origin("HTTPS://New.Plan.Example"));
        document["userAgents"]!.AsArray().Add(new JsonObject { ["list"] = "deny", ["kind"] = "regex", ["pattern"] = "^curl/" });
        document["settings"]!["denyStatus"] = 404;
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;

        var plan = await admin.PlanAsync(document);

        plan.Changes("origin", "add").Single()["id"]!.GetValue<string>().ShouldBe("https://new.plan.example");
        plan.Changes("origin", "remove").Single()["id"]!.GetValue<string>().ShouldBe("https://drop.plan.example");
        plan.Changes("origin", "change").Single()["after"]!["note"]!.GetValue<string>().ShouldBe("now with a note");
        plan.Changes("userAgent", "add").Single()["after"]!["pattern"]!.GetValue<string>().ShouldBe("curl/", "a regex with an exact equivalent is planned as that rule (prefix curl/)");
        var setting = plan.Changes("setting", "change").Single();
        setting["id"]!.GetValue<string>().ShouldBe("denyStatus");
        setting["before"]!.GetValue<int>().ShouldBe(403);
        plan.Count("additions").ShouldBe(2);
        plan.Count("deletions").ShouldBe(1);
        plan.Count("changes").ShouldBe(2);
        plan["needsForce"]!.GetValue<bool>().ShouldBeFalse();
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.GetJsonAsync("/v1/origins/https://drop.plan.example"))["origin"]!.GetValue<string>().ShouldBe("https://drop.plan.example");
    }

    [Fact]
    public async Task Apply_makes_the_rules_what_the_document_says_as_one_audited_change()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://old.apply.example" })).EnsureSuccessStatusCode();
        var document = await admin.ExportAsync();
        var origins = document["origins"]!.AsArray();
        origins.Remove(origins.Single(o => o!["origin"]!.GetValue<string>() == "https://old.apply.example"));
        origins.Add(DesiredStateCalls.Origin("https://new.apply.example", DateTimeOffset.UtcNow.AddDays(1).ToString("O"), "from git"));
        document["userAgents"]!.AsArray().Add(new JsonObject { ["list"] = "allow", ["kind"] = "substring", ["pattern"] = "ApplyPlayer" });
        document["settings"]!["publicPaths"] = new JsonArray("/healthz");
        var plan = await admin.PlanAsync(document);

        // The new allow rule denies the browsers on the allowed origins: the plan lists the flips, apply is forced.
        plan["flips"]!.AsArray().ShouldNotBeEmpty();
        var applied = await admin.ApplyOkAsync(document, force: true);

        applied["plan"]!["planDigest"]!.GetValue<string>().ShouldBe(plan["planDigest"]!.GetValue<string>());
        var after = await admin.ExportAsync();
        after.OriginNames().ShouldContain("https://new.apply.example");
        after.OriginNames().ShouldNotContain("https://old.apply.example");
        after["origins"]!.AsArray().Single(o => o!["origin"]!.GetValue<string>() == "https://new.apply.example")!["note"]!.GetValue<string>().ShouldBe("from git");
        after["settings"]!["publicPaths"]!.AsArray().Single()!.GetValue<string>().ShouldBe("/healthz");
        (await admin.PlanAsync(document))["changes"]!.AsArray().ShouldBeEmpty();

        var changeId = applied["changeId"]!.GetValue<string>();
        var summary = (await admin.GetJsonAsync($"/v1/audit?action=desired-state.apply&limit=1"))["items"]!.AsArray().Single()!;
        summary["seq"]!.GetValue<long>().ShouldBe(applied["auditSeq"]!.GetValue<long>());
        var detail = JsonNode.Parse(summary["detail"]!.GetValue<string>())!;
        detail["planDigest"]!.GetValue<string>().ShouldBe(plan["planDigest"]!.GetValue<string>());
        detail["documentDigest"]!.GetValue<string>().ShouldStartWith("sha256:");
        detail["counts"]!["deletions"]!.GetValue<int>().ShouldBe(1);
        var entries = (await admin.GetJsonAsync("/v1/audit?limit=1000"))["items"]!.AsArray().Where(e => e!["requestId"]?.GetValue<string>() == changeId).ToList();
        // Each item entry says what happened to the item, as the single routes say it; the summary says what the request was.
        entries.Select(e => e!["action"]!.GetValue<string>()).Distinct().Order()
            .ShouldBe(["desired-state.apply", "origin.add", "origin.delete", "origin.note", "settings.update", "ua.update"]);
        entries.Select(e => e!["target"]!.GetValue<string>()).ShouldContain("https://old.apply.example");
    }

    [Fact]
    public async Task Apply_refuses_more_deletions_than_the_limit_unless_forced()
    {
        using var admin = host.Admin();
        var many = Enumerable.Range(0, 12).Select(i => $"https://gate{i:D2}.example.net").ToList();
        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = many.Select(o => new { origin = o }) })).EnsureSuccessStatusCode();
        var document = await admin.ExportAsync();
        var origins = document["origins"]!.AsArray();
        foreach (var node in origins.Where(o => o!["origin"]!.GetValue<string>().EndsWith(".example.net", StringComparison.Ordinal)).ToList())
            origins.Remove(node);
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;

        (await admin.PlanAsync(document))["needsForce"]!.GetValue<bool>().ShouldBeTrue();
        var refused = await (await admin.ApplyAsync(document)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        refused.ErrorFields().ShouldContain("force");
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
        var forced = await admin.ApplyOkAsync(document, force: true);
        forced["plan"]!["counts"]!["deletions"]!.GetValue<int>().ShouldBe(12);
        var store = await host.Service<IKeyValueStore>().ListAllAsync();
        many.ShouldAllBe(o => !store.ContainsKey("o:" + o));
        JsonNode.Parse((await admin.GetJsonAsync("/v1/audit?action=desired-state.apply&limit=1"))["items"]![0]!["detail"]!.GetValue<string>())!["forced"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task An_apply_naming_a_plan_the_store_has_moved_away_from_gets_409_with_the_current_plan_and_writes_nothing()
    {
        using var admin = host.Admin();
        var document = await admin.ExportAsync();
        document["origins"]!.AsArray().Add(DesiredStateCalls.Origin("https://reviewed.stale.example"));
        var reviewed = await admin.PlanAsync(document);
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://sneaked-in.stale.example" })).EnsureSuccessStatusCode();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;

        var stale = await (await admin.ApplyAsync(document, ifMatch: reviewed["planDigest"]!.GetValue<string>())).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
        var current = stale["currentPlan"]!.AsObject();
        current["planDigest"]!.GetValue<string>().ShouldNotBe(reviewed["planDigest"]!.GetValue<string>());
        current.Changes("origin", "remove").Single()["id"]!.GetValue<string>().ShouldBe("https://sneaked-in.stale.example");
        // The removal flips the browsers on that origin (a built-in expectation): forced.
        var applied = await admin.ApplyAsync(document, force: true, ifMatch: current["planDigest"]!.GetValue<string>());
        applied.StatusCode.ShouldBe(HttpStatusCode.OK, await applied.Content.ReadAsStringAsync());
        (await admin.ExportAsync()).OriginNames().ShouldNotContain("https://sneaked-in.stale.example");
    }

    public static TheoryData<string, string> MalformedDocuments => new()
    {
        { """{"version":1,"origins":[{"origin":"https://a.bad.example"},{"origin":"https://b.bad.example"},{"origin":"https://c.bad.example"},{"origin":"https://d.bad.example/path"}]}""", "origins[3].origin" },
        { """{"version":1,"origins":[{"origin":"https://x.bad.example","note":"a\u0001b"}]}""", "origins[0].note" },
        { """{"version":1,"userAgents":[{"list":"allow","kind":"regex","pattern":"(a+)+$"}]}""", "userAgents[0].pattern" },
        { """{"version":1,"userAgents":[{"list":"maybe","kind":"substring","pattern":"x"}]}""", "userAgents[0].list" },
        { """{"version":1,"settings":{"mode":"sometimes"}}""", "settings.mode" },
        { """{"version":1,"partners":[{"id":"Bad Id","scope":"manifests"}]}""", "partners[0].id" },
        { """{"version":1,"partners":[{"id":"fine","scope":"everything"}]}""", "partners[0].scope" },
        { """{"version":1,"origins":[{"origin":"https://dup.bad.example"},{"origin":"HTTPS://DUP.bad.example:443"}]}""", "origins[1].origin" },
        { """{"version":2,"origins":[]}""", "version" },
        // A missing item was a 500 for userAgents (the item's rules ran on null); every list answers alike.
        { """{"version":1,"userAgents":[null]}""", "userAgents[0]" },
        { """{"version":1,"origins":[null]}""", "origins[0]" },
        { """{"version":1,"settings":{"wildcardDepth":9}}""", "settings.wildcardDepth" },
        { """{"version":1,"expectations":[{"name":"e","request":{"uri":"no-slash"},"expect":"pass"}]}""", "expectations[0].request.uri" },
        { "{\"version\":1,\"settings\":{\"publicPaths\":[" + string.Join(',', Enumerable.Range(0, 20).Select(i => $"\"/{i}{new string('p', 60)}\"")) + "]}}", "settings.publicPaths" },
    };

    [Theory]
    [MemberData(nameof(MalformedDocuments))]
    public async Task A_malformed_document_gets_400_naming_the_path_of_the_bad_field_and_nothing_is_written(string document, string path)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;

        foreach (var route in (string[])["/v1/desired-state/plan", "/v1/desired-state/apply"])
        {
            var problem = await (await admin.SendRawAsync(HttpMethod.Post, route, document)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            problem.ErrorFields().ShouldContain(path, problem.ToJsonString());
        }
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Fact]
    public async Task A_token_with_rules_read_may_export_and_plan_but_not_apply()
    {
        using var admin = host.Admin();
        var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = "desired-reader", scopes = new[] { "rules:read" } })).JsonAsync();
        using var reader = host.Client(created["token"]!.GetValue<string>());
        var document = await reader.ExportAsync();
        document["partners"].ShouldNotBeNull();

        (await reader.PlanAsync(document))["changes"]!.AsArray().ShouldBeEmpty();
        (await reader.ApplyAsync(document)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Adding_a_partner_through_apply_needs_secrets_admin_as_well()
    {
        using var admin = host.Admin();
        var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = "desired-writer", scopes = new[] { "rules:read", "rules:write" } })).JsonAsync();
        using var writer = host.Client(created["token"]!.GetValue<string>());
        var document = new JsonObject { ["version"] = 1, ["partners"] = new JsonArray(new JsonObject { ["id"] = "new-by-apply", ["scope"] = "all" }) };

        (await (await writer.ApplyAsync(document)).ShouldBeProblemAsync(HttpStatusCode.Forbidden)).ErrorFields().ShouldContain("partners[0]");
        await admin.ApplyOkAsync(document);

        (await admin.GetJsonAsync("/v1/partners/new-by-apply"))["scope"]!.GetValue<string>().ShouldBe("all");
    }

    [Fact]
    public async Task A_change_over_50_keys_lands_in_batches_and_the_user_agent_shards_and_cfg_in_one_call()
    {
        using var admin = host.Admin();
        var document = await admin.ExportAsync();
        foreach (var i in Enumerable.Range(0, 70))
            document["origins"]!.AsArray().Add(DesiredStateCalls.Origin($"https://big{i:D2}.batch.example"));
        // 28 rules (14 a list, within the cap of 16) long enough to need two shards.
        foreach (var i in Enumerable.Range(0, 28))
            document["userAgents"]!.AsArray().Add(new JsonObject { ["list"] = i % 2 == 0 ? "allow" : "deny", ["kind"] = "contains", ["pattern"] = $"BatchPlayer-{i:D2}-with-a-long-enough-name-to-fill-shards" });

        // Allow rules deny the browsers on the allowed origins (built-in expectations): forced.
        var applied = await admin.ApplyOkAsync(document, force: true);

        var changeId = applied["changeId"]!.GetValue<string>();
        var entries = (await admin.GetJsonAsync("/v1/audit?limit=1000"))["items"]!.AsArray()
            .Where(e => e!["requestId"]?.GetValue<string>() == changeId && e["eTagAfter"] is not null && e["target"]!.GetValue<string>() != "desired-state")
            .ToList();
        entries.Count.ShouldBeGreaterThan(72);
        entries.GroupBy(e => e!["eTagAfter"]!.GetValue<string>()).ShouldAllBe(g => g.Count() <= 50);
        // Many rules at once: named ua/rules, each entry's key (a shard or cfg) first in its detail.
        var policy = entries.Where(e => e!["target"]!.GetValue<string>() == "ua/rules").ToList();
        policy.ShouldAllBe(e => e!["detail"]!.GetValue<string>().StartsWith("cfg: ", StringComparison.Ordinal) || e["detail"]!.GetValue<string>().StartsWith("ua:", StringComparison.Ordinal));
        policy.Count.ShouldBeGreaterThan(2);
        policy.Select(e => e!["eTagAfter"]!.GetValue<string>()).Distinct().ShouldHaveSingleItem();
        (await admin.PlanAsync(document))["changes"]!.AsArray().ShouldBeEmpty();
    }
}
