using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.UaRules;

public sealed class UaRuleTests(ApiHost host) : IClassFixture<ApiHost>
{
    static async Task<JsonNode> SimulateAsync(HttpClient client, string userAgent, string? origin = null)
    {
        var headers = new Dictionary<string, string> { ["user-agent"] = userAgent };
        if (origin is not null)
            headers["origin"] = origin;
        return await (await client.PostJsonAsync("/v1/simulate", new { uri = "/live/index.m3u8", headers })).JsonAsync();
    }

    [Fact]
    public async Task Patterns_reach_the_function_as_shards_and_change_its_decisions()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://ua.example.com" })).EnsureSuccessStatusCode();
        var deny = await admin.PostJsonAsync("/v1/ua-rules", new { list = "deny", kind = "regex", pattern = "^(curl|wget)/" });
        deny.StatusCode.ShouldBe(HttpStatusCode.Created, await deny.Content.ReadAsStringAsync());
        (await admin.PostJsonAsync("/v1/ua-rules", new { list = "allow", kind = "substring", pattern = "AppleCoreMedia/" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await SimulateAsync(admin, "curl/8.5.0", "https://ua.example.com"))["reason"]!.GetValue<string>().ShouldBe("ua-denied");
        // No Origin (native HLS player): with noOrigin "ua" an allow pattern must match.
        var native = await SimulateAsync(admin, "AppleCoreMedia/1.0.0.21 (iPhone)");
        native["action"]!.GetValue<string>().ShouldBe("pass", native.ToJsonString());
        (await SimulateAsync(admin, "SomeBot/1.0"))["reason"]!.GetValue<string>().ShouldBe("ua-not-allowed");

        var cfg = JsonNode.Parse((await host.Service<IKeyValueStore>().GetAsync("cfg"))!.Value)!;
        cfg["ua"]!.GetValue<int>().ShouldBe(1);
        var shard = JsonNode.Parse((await host.Service<IKeyValueStore>().GetAsync("ua:0"))!.Value)!;
        shard["allow"]!.GetValue<string>().ShouldBe("(?:AppleCoreMedia\\/)");
        shard["deny"]!.GetValue<string>().ShouldBe("(?:^(curl|wget)/)");

        var id = (await deny.JsonAsync())["id"]!.GetValue<string>();
        (await admin.DeleteAsync($"/v1/ua-rules/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await SimulateAsync(admin, "curl/8.5.0", "https://ua.example.com"))["action"]!.GetValue<string>().ShouldBe("deny");
        (await SimulateAsync(admin, "curl/8.5.0", "https://ua.example.com"))["reason"]!.GetValue<string>().ShouldBe("ua-not-allowed");
        await (await admin.DeleteAsync("/v1/ua-rules/ua_unknown")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Many_patterns_spread_over_shards_of_at_most_1_KB_and_shrink_back()
    {
        using var admin = host.Admin();
        var ids = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var created = await (await admin.PostJsonAsync("/v1/ua-rules", new { list = "deny", kind = "substring", pattern = $"BadCrawler-{i:D2}-" + new string('x', 90) })).JsonAsync();
            ids.Add(created["id"]!.GetValue<string>());
        }
        var store = host.Service<IKeyValueStore>();
        var shards = JsonNode.Parse((await store.GetAsync("cfg"))!.Value)!["ua"]!.GetValue<int>();
        shards.ShouldBeGreaterThan(1);
        for (var n = 0; n < shards; n++)
            KvsLimits.ByteCount((await store.GetAsync($"ua:{n}"))!.Value).ShouldBeLessThanOrEqualTo(1024);
        (await SimulateAsync(admin, "BadCrawler-23-" + new string('x', 90)))["reason"]!.GetValue<string>().ShouldBe("ua-denied");
        foreach (var id in ids)
            (await admin.DeleteAsync($"/v1/ua-rules/{id}")).EnsureSuccessStatusCode();
        (await store.GetAsync($"ua:{shards - 1}")).ShouldBeNull();
    }

    [Theory]
    [InlineData("(a+)+$", "backtrack")]
    [InlineData("(.*x)*y", "backtrack")]
    [InlineData("(\\w+\\s?)+$", "backtrack")]
    [InlineData("(a|aa)+$", "adversarial")]
    [InlineData("(?<=Mozilla)Firefox", "lookbehind")]
    [InlineData("([a-z]", "not a valid JavaScript regular expression")]
    [InlineData("a{2,1}", "not a valid JavaScript regular expression")]
    public async Task Regexes_that_are_invalid_unsupported_or_catastrophic_are_refused(string pattern, string reason)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var problem = await (await admin.PostJsonAsync("/v1/ua-rules", new { list = "deny", kind = "regex", pattern })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("pattern");
        problem.ToJsonString().ShouldContain(reason);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("^Mozilla/5\\.0 \\(")]
    [InlineData("(?:Roku|AppleTV|SMART-TV)")]
    [InlineData("ExoPlayer(Lib)?/[0-9]+")]
    [InlineData("[a-z]+/[0-9.]+$")]
    public async Task Ordinary_regexes_are_accepted(string pattern)
    {
        using var admin = host.Admin();
        var response = await admin.PostJsonAsync("/v1/ua-rules", new { list = "allow", kind = "regex", pattern });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        (await admin.DeleteAsync($"/v1/ua-rules/{(await response.JsonAsync())["id"]!.GetValue<string>()}")).EnsureSuccessStatusCode();
    }
}
