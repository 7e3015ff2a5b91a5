using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.UserAgents;

public sealed class UserAgentTests(ApiHost host) : IClassFixture<ApiHost>
{
    IKeyValueStore Store => host.Service<IKeyValueStore>();

    /// <summary>Forced: a rule may flip the built-in expectations of what other tests of this class added (WriteCheckTests covers the refusal).</summary>
    static async Task<JsonNode> AddAsync(HttpClient client, string list, string? kind, string pattern, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await client.PostJsonAsync("/v1/user-agents?force=true", new { list, kind, pattern });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(expected, body.ToJsonString());
        return body;
    }

    async Task<JsonNode> CfgAsync() => JsonNode.Parse((await Store.GetAsync("cfg"))!.Value)!;

    [Fact]
    public async Task A_rule_change_is_audited_naming_the_rule_by_list_kind_and_pattern_not_only_its_shard()
    {
        using var admin = host.Admin();
        foreach (var (list, kind, pattern) in ((string List, string Kind, string Pattern)[])[("allow", "contains", "AuditNamedPlayer/"), ("deny", "wildcard", "AuditNamedBot/*.*")])
        {
            var added = await AddAsync(admin, list, kind, pattern);
            var add = (await admin.GetJsonAsync("/v1/audit?action=ua.add&limit=1"))["items"]![0]!;
            // Forced: removing an allow rule flips the built-in expectation for the native players it let through.
            (await admin.DeleteAsync($"/v1/user-agents/{list}/{added.Text("id")}?force=true")).IsSuccessStatusCode.ShouldBeTrue();
            var delete = (await admin.GetJsonAsync("/v1/audit?action=ua.delete&limit=1"))["items"]![0]!;

            // The target is the rule; the detail names the shard key first, then the rule (a forced
            // write then lists the expectation flips it went past).
            add.Text("target").ShouldBe($"ua/{list}/{kind}/{pattern}");
            delete.Text("target").ShouldBe($"ua/{list}/{kind}/{pattern}");
            add.Text("detail").ShouldMatch($"^(ua:[0-7]|cfg): added {list} {kind} \"{System.Text.RegularExpressions.Regex.Escape(pattern)}\"");
            delete.Text("detail").ShouldMatch($"^(ua:[0-7]|cfg): removed {list} {kind} \"{System.Text.RegularExpressions.Regex.Escape(pattern)}\"");
            // An auditor finds the rule's history by its name, and every rule change by ua/.
            var history = (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString($"ua/{list}/{kind}/{pattern}")}"))["items"]!.AsArray();
            history.Select(e => e!.Text("action")).Distinct().Order().ShouldBe(["ua.add", "ua.delete"]);
            (await admin.GetJsonAsync("/v1/audit?targetPrefix=ua%2F&limit=1000"))["items"]!.AsArray().Select(e => e!.Text("target"))
                .ShouldContain($"ua/{list}/{kind}/{pattern}");
        }
    }

    [Fact]
    public async Task Rules_are_packed_into_shards_of_globs_the_function_reads_and_listed_back_as_written()
    {
        using var admin = host.Admin();
        var contains = await AddAsync(admin, "allow", null, "Mozilla/5.0 (");
        var prefix = await AddAsync(admin, "deny", "prefix", "curl/");
        var wildcard = await AddAsync(admin, "deny", "wildcard", "python-requests/*.*");
        contains.Text("kind").ShouldBe("contains");
        contains.Text("glob").ShouldBe("*Mozilla/5.0 (*");
        (await Store.GetAsync("ua:0"))!.Value.ShouldBe("""{"allow":["*Mozilla/5.0 (*"],"deny":["curl/*","python-requests/*.*"]}""");
        ((await CfgAsync())["ua"]!.GetValue<int>(), (await CfgAsync())["v"]!.GetValue<int>()).ShouldBe((1, 2));

        var listed = await admin.GetJsonAsync("/v1/user-agents");
        var allow = listed["allow"]!.AsArray().ShouldHaveSingleItem()!;
        (allow.Text("kind"), allow.Text("pattern"), allow.Text("id")).ShouldBe(("contains", "Mozilla/5.0 (", contains.Text("id")));
        listed["deny"]!.AsArray().Select(r => (r!.Text("kind"), r!.Text("pattern"))).ShouldBe([("prefix", "curl/"), ("wildcard", "python-requests/*.*")]);
        listed["shards"]!.GetValue<int>().ShouldBe(1);

        // The same function file now decides by these rules, case-insensitively.
        await admin.PostJsonAsync("/v1/origins", new { origin = "https://ua.example.com" });
        var curl = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://ua.example.com", ["user-agent"] = "CURL/8.5.0" });
        (curl.Text("action"), curl.Text("reason")).ShouldBe(("deny", "ua-denied"));
        var python = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://ua.example.com", ["user-agent"] = "python-requests/2.31" });
        python.Text("reason").ShouldBe("ua-denied");
        var notCurl = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://ua.example.com", ["user-agent"] = "libcurl/8.5.0" });
        notCurl.Text("action").ShouldBe("pass");
        var browser = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://ua.example.com", ["user-agent"] = PartnerCalls.ChromeUserAgent });
        browser.Text("action").ShouldBe("pass");
        browser["keysRead"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["cfg", "o:https://ua.example.com", "ua:0"]);

        var etag = (await Store.DescribeAsync()).ETag;
        (await AddAsync(admin, "allow", "contains", "MOZILLA/5.0 (", HttpStatusCode.OK)).Text("id").ShouldBe(contains.Text("id"));
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);

        // Forced: the last allow rule's removal flips the built-in no-Origin expectation.
        foreach (var (list, rule) in new[] { ("deny", prefix), ("deny", wildcard), ("allow", contains) })
            (await admin.DeleteAsync($"/v1/user-agents/{list}/{rule.Text("id")}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Store.GetAsync("ua:0")).ShouldBeNull();
        (await CfgAsync())["ua"]!.GetValue<int>().ShouldBe(0);
        (await (await admin.DeleteAsync($"/v1/user-agents/allow/{contains.Text("id")}")).ShouldBeProblemAsync(HttpStatusCode.NotFound)).ErrorFields().ShouldContain("id");
        var audit = await admin.GetJsonAsync("/v1/audit?action=ua.add&targetPrefix=ua%2F");
        audit["items"]!.AsArray().Count(e => e!.Text("detail").StartsWith("ua:0: ", StringComparison.Ordinal))
            .ShouldBeGreaterThanOrEqualTo(3, "one ua.add per rule on ua:0 (other tests of this class add to ua:0 too)");
    }

    [Fact]
    public async Task The_first_native_player_allow_rule_leaves_browsers_on_allowed_origins_passing()
    {
        using var admin = host.Admin();
        await admin.PostJsonAsync("/v1/origins", new { origin = "https://first.example.com" });
        var native = await AddAsync(admin, "allow", "contains", "AppleCoreMedia");

        var chrome = await admin.SimulateAsync("/v1/master/a.m3u8", new() { ["origin"] = "https://first.example.com", ["user-agent"] = PartnerCalls.ChromeUserAgent });
        var safariNative = await admin.SimulateAsync("/seg.ts", new() { ["user-agent"] = "AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X)" });
        var unknownPlayer = await admin.SimulateAsync("/seg.ts", new() { ["user-agent"] = "SmartTV/1.0" });

        chrome.Text("action").ShouldBe("pass");
        safariNative.Text("action").ShouldBe("pass");
        unknownPlayer.Text("reason").ShouldBe("ua-not-allowed");
        (await admin.GetJsonAsync("/v1/status"))["warnings"]!.AsArray().Select(w => w!.GetValue<string>())
            .ShouldNotContain(w => w.StartsWith("NATIVE PLAYERS", StringComparison.Ordinal));
        // Forced: removing the only allow rule denies the native players it admitted (the built-in no-Origin expectation flips).
        (await admin.DeleteAsync($"/v1/user-agents/allow/{native.Text("id")}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Theory]
    [InlineData("^curl/", "prefix", "curl/")]
    [InlineData("AppleCoreMedia", "contains", "AppleCoreMedia")]
    [InlineData("^Roku/DVP$", "exact", "Roku/DVP")]
    [InlineData("^Mozilla/.*Chrome/", "wildcard", "Mozilla/*Chrome/*")]
    public async Task A_regex_with_an_exact_equivalent_is_stored_as_that_rule(string regex, string kind, string pattern)
    {
        using var admin = host.Admin();

        var rule = await AddAsync(admin, "deny", "regex", regex);

        (rule.Text("kind"), rule.Text("pattern")).ShouldBe((kind, pattern));
        (await admin.DeleteAsync($"/v1/user-agents/deny/{rule.Text("id")}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Theory]
    [InlineData(@"Chrome/\d+", "The nearest wildcard form is '*Chrome/*'")]
    [InlineData("(iPhone|iPad).*AppleWebKit", "The nearest wildcard form is '*AppleWebKit*'")]
    [InlineData("(a+)+$", "Write it as contains, prefix, exact or wildcard rules")]
    [InlineData("curl|wget", "one rule per alternative")]
    [InlineData("(?<=Chrome)/1", "Write it as contains")]
    [InlineData("Chrome(", "Write it as contains")]
    public async Task A_regex_without_an_equivalent_is_refused_naming_pattern_and_the_nearest_wildcard_form(string pattern, string advice)
    {
        using var admin = host.Admin();
        var etag = (await Store.DescribeAsync()).ETag;

        var problem = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "regex", pattern })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.ErrorFields().ShouldContain("pattern");
        problem.ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ShouldContain(advice);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("contains", "Chrome*", "the wildcard: use kind 'wildcard'")]
    [InlineData("wildcard", "a*b*c*d*e*f", "more than 4 '*'")]
    [InlineData("wildcard", "**", "matches every User-Agent")]
    [InlineData("contains", "Caf\u00e9", "printable ASCII")]
    public async Task A_pattern_outside_the_matchers_is_refused_before_anything_is_written(string kind, string pattern, string reason)
    {
        using var admin = host.Admin();
        var etag = (await Store.DescribeAsync()).ETag;
        pattern = System.Text.RegularExpressions.Regex.Unescape(pattern);

        var problem = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind, pattern })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.ErrorFields().ShouldContain("pattern");
        problem.ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ShouldContain(reason);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("(a+)+$")]
    [InlineData("[[[[")]
    public async Task A_contains_rule_matches_its_characters_literally(string text)
    {
        using var admin = host.Admin();
        var rule = await AddAsync(admin, "deny", "contains", text);
        await admin.PostJsonAsync("/v1/origins", new { origin = "https://literal.example.com" });
        var literal = await admin.SimulateAsync("/", new() { ["origin"] = "https://literal.example.com", ["user-agent"] = $"Bot {text} 1.0" });
        literal.Text("reason").ShouldBe("ua-denied");
        var aaa = await admin.SimulateAsync("/", new() { ["origin"] = "https://literal.example.com", ["user-agent"] = "aaaa" });
        aaa.Text("action").ShouldBe("pass");
        (await admin.DeleteAsync($"/v1/user-agents/deny/{rule.Text("id")}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Theory]
    [InlineData("""{"list":"maybe","kind":"regex","pattern":"x"}""", "list")]
    [InlineData("""{"list":"allow","kind":"glob","pattern":"x"}""", "kind")]
    [InlineData("""{"list":"allow","kind":"regex","pattern":""}""", "pattern")]
    [InlineData("""{"list":"allow","kind":"substring","pattern":"tab\there"}""", "pattern")]
    [InlineData("""{"list":"allow","kind":"prefix","pattern":"x*"}""", "pattern")]
    [InlineData("""{"list":"allow","kind":"substring"}""", "pattern")]
    [InlineData("""{"list":null,"kind":"regex","pattern":"x"}""", "list")]
    public async Task Malformed_rules_are_refused_naming_the_field(string body, string field)
    {
        using var admin = host.Admin();
        var etag = (await Store.DescribeAsync()).ETag;
        var head = await admin.AuditHeadAsync();
        (await (await admin.SendRawAsync(HttpMethod.Post, "/v1/user-agents", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .ErrorFields().ShouldContain(field);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.GetJsonAsync("/v1/audit?limit=5"))["items"]!.AsArray().Where(e => e!["seq"]!.GetValue<long>() > head)
            .ShouldHaveSingleItem()!.Text("action").ShouldBe("request.rejected");
        (await (await admin.DeleteAsync("/v1/user-agents/maybe/0123456789ab")).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("list");
        (await (await admin.DeleteAsync("/v1/user-agents/allow/xyz")).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("id");
    }

    [Fact]
    public async Task Reading_rules_needs_rules_read_and_changing_them_rules_write()
    {
        var secretsOnly = await host.CreateTokenAsync("ua-secrets-admin", ["secrets:admin"]);
        using var client = host.Client(secretsOnly);
        (await client.GetAsync("/v1/user-agents")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.PostJsonAsync("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var reader = await host.CreateTokenAsync("ua-reader", ["rules:read"]);
        using var readOnly = host.Client(reader);
        (await readOnly.GetAsync("/v1/user-agents")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await readOnly.PostJsonAsync("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await readOnly.DeleteAsync("/v1/user-agents/allow/0123456789ab")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}

public sealed class UserAgentQuotaTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task The_most_rules_the_caps_allow_fill_the_eight_shards_and_one_more_is_refused_up_front_with_a_clear_400()
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        // Four 200-character rules fit one shard, so thirty-two fill all eight.
        for (var i = 0; i < 32; i++)
        {
            var response = await admin.PostJsonAsync("/v1/user-agents", new { list = i % 2 == 0 ? "allow" : "deny", kind = "exact", pattern = $"{i:D2}" + new string('x', 198) });
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
        var items = await store.ListAllAsync();
        Enumerable.Range(0, 8).ShouldAllBe(n => items.ContainsKey($"ua:{n}") && KvsLimits.ByteCount(items[$"ua:{n}"]) <= KvsLimits.MaxValueBytes);
        JsonNode.Parse(items["cfg"])!["ua"]!.GetValue<int>().ShouldBe(8);

        var etag = (await store.DescribeAsync()).ETag;
        // The caps meet: 16 rules per list of at most 200 characters fill the 8 shards and no more.
        var problem = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "exact", pattern = "one-too-many" + new string('y', 188) }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("pattern");
        problem.ToJsonString().ShouldContain("at most 16");
        var tooLong = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "exact", pattern = new string('z', 201) }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        tooLong.ErrorFields().ShouldContain("pattern");
        tooLong.ToJsonString().ShouldContain("at most 200 characters");
        (await store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.GetJsonAsync("/v1/user-agents"))["shards"]!.GetValue<int>().ShouldBe(8);
    }

}

public sealed class UserAgentListCapTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_list_holds_at_most_16_rules()
    {
        using var admin = host.Admin();
        for (var i = 0; i < 16; i++)
            (await admin.PostJsonAsync("/v1/user-agents", new { list = "allow", pattern = $"Player{i}" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var problem = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "allow", pattern = "Player16" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.ErrorFields().ShouldContain("pattern");
        problem.ToJsonString().ShouldContain("at most 16");
    }
}
