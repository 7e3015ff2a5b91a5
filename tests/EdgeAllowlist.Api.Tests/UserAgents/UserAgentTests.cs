using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.UserAgents;

public sealed class UserAgentTests(ApiHost host) : IClassFixture<ApiHost>
{
    IKeyValueStore Store => host.Service<IKeyValueStore>();

    /// <summary>Forced: an allow rule denies the browsers on the origins other tests of this class added (a flip; WriteCheckTests covers the refusal).</summary>
    static async Task<JsonNode> AddAsync(HttpClient client, string list, string kind, string pattern, HttpStatusCode expected = HttpStatusCode.Created)
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
        var added = await AddAsync(admin, "allow", "substring", "AuditNamedPlayer/");
        // Forced: removing the only allow rule flips the built-in expectations for the native players it let through (WriteCheckTests covers the refusal).
        (await admin.DeleteAsync($"/v1/user-agents/allow/{added.Text("id")}?force=true")).IsSuccessStatusCode.ShouldBeTrue();

        var add = (await admin.GetJsonAsync("/v1/audit?action=ua.add&limit=1"))["items"]![0]!;
        var delete = (await admin.GetJsonAsync("/v1/audit?action=ua.delete&limit=1"))["items"]![0]!;

        // The rule is named first; a forced write then lists the expectation flips it went past.
        add.Text("detail").ShouldStartWith("added allow substring \"AuditNamedPlayer/\"");
        delete.Text("detail").ShouldStartWith("removed allow substring \"AuditNamedPlayer/\"");
        delete.Text("detail").ShouldContain("forced past");
    }

    [Fact]
    public async Task Patterns_are_packed_into_shards_the_function_reads_and_listed_back_as_written()
    {
        using var admin = host.Admin();
        var substring = await AddAsync(admin, "allow", "substring", "Mozilla/5.0 (");
        var regex = await AddAsync(admin, "deny", "regex", @"curl|wget|python-requests/\d+");
        substring.Text("regex").ShouldBe(@"Mozilla/5\.0 \(");
        (await Store.GetAsync("ua:0"))!.Value.ShouldBe("""{"allow":"(?:Mozilla/5\\.0 \\()","deny":"(?:curl|wget|python-requests/\\d+)"}""");
        (await CfgAsync())["ua"]!.GetValue<int>().ShouldBe(1);

        var listed = await admin.GetJsonAsync("/v1/user-agents");
        var allow = listed["allow"]!.AsArray().ShouldHaveSingleItem()!;
        allow.Text("kind").ShouldBe("substring");
        allow.Text("pattern").ShouldBe("Mozilla/5.0 (");
        allow.Text("id").ShouldBe(substring.Text("id"));
        var deny = listed["deny"]!.AsArray().ShouldHaveSingleItem()!;
        deny.Text("kind").ShouldBe("regex");
        deny.Text("pattern").ShouldBe(@"curl|wget|python-requests/\d+");
        listed["shards"]!.GetValue<int>().ShouldBe(1);

        // The same function file now decides by these rules.
        await admin.PostJsonAsync("/v1/origins", new { origin = "https://ua.example.com" });
        var curl = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://ua.example.com", ["user-agent"] = "CURL/8.5.0" });
        curl.Text("action").ShouldBe("deny");
        curl.Text("reason").ShouldBe("ua-denied");
        var browser = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://ua.example.com", ["user-agent"] = PartnerCalls.ChromeUserAgent });
        browser.Text("action").ShouldBe("pass");
        browser["keysRead"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["cfg", "o:https://ua.example.com", "ua:0"]);

        var etag = (await Store.DescribeAsync()).ETag;
        await AddAsync(admin, "allow", "substring", "Mozilla/5.0 (", HttpStatusCode.OK);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);

        (await admin.DeleteAsync($"/v1/user-agents/deny/{regex.Text("id")}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        // The last allow rule: native players lose their way in (builtin:no-origin flips), so forced.
        (await admin.DeleteAsync($"/v1/user-agents/allow/{substring.Text("id")}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Store.GetAsync("ua:0")).ShouldBeNull();
        (await CfgAsync())["ua"]!.GetValue<int>().ShouldBe(0);
        (await (await admin.DeleteAsync($"/v1/user-agents/allow/{substring.Text("id")}")).ShouldBeProblemAsync(HttpStatusCode.NotFound)).ErrorFields().ShouldContain("id");
        var audit = await admin.GetJsonAsync("/v1/audit?action=ua.add&target=ua%3A0");
        audit["items"]!.AsArray().Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("(a+)+$", "repeats a group that holds a quantifier")]
    [InlineData("(a*)*b", "repeats a group that holds a quantifier")]
    [InlineData("((ab)*c)+", "repeats a group that holds a quantifier")]
    [InlineData("(x+x+)+y", "repeats a group that holds a quantifier")]
    [InlineData("(.*a){12}$", "repeats a group that holds a quantifier")]
    [InlineData("(?:a{1,1000}){1000}", "more than 32 times")]
    [InlineData("(a|a)*b", "repeats a group that holds alternatives")]
    [InlineData(@"(\w|\d)+!", "repeats a group that holds alternatives")]
    [InlineData("(a|)+b", "repeats a group that holds alternatives")]
    [InlineData(@"abcdefghijklmnopqrstuvwxy|(Z|\x5a)+$", "repeats a group that holds alternatives")]
    [InlineData("(?:ab)+c", "repeats a group without bound")]
    [InlineData("a{0,1000}b", "more than 32 times")]
    [InlineData(@"\s+$", "start at every position")]
    [InlineData("[a-z]+/[0-9.]+", "start at every position")]
    [InlineData(@"[\s\S]*[\s\S]*[\s\S]*x", "start at every position")]
    [InlineData(@"x\d+\dy", "give characters back")]
    [InlineData(@"Chrome/(?:\d+)", "inside a group")]
    [InlineData("x[a-z]{0,32}[a-z]{0,32}[a-z]{0,32}!", "ways (at most 32)")]
    [InlineData(@"Chrome/\d+.*Safari", "before .*: the part before each .* must be plain text or a choice of texts")]
    [InlineData("(iPhone|iPh).*Safari", "is part of")]
    [InlineData(@"x\d{1,32}-\d{1,32}", "bounded repeats adding up to 64")]
    [InlineData("(?:ab){1,32}c", "bounded repeats adding up to 64")]
    [InlineData("(?<=Chrome)/1", "lookbehind")]
    [InlineData(@"(a)\1", "backreference")]
    [InlineData("(?<v>Chrome)", "named group")]
    [InlineData("Chrome(", "unclosed")]
    [InlineData("[a-", "unclosed character class")]
    [InlineData("a{2,1}", "not a valid JavaScript regular expression")]
    [InlineData("*Chrome", "nothing to repeat")]
    public async Task A_regex_that_could_stall_the_edge_or_does_not_compile_is_refused_before_anything_is_written(string pattern, string reason)
    {
        using var admin = host.Admin();
        var etag = (await Store.DescribeAsync()).ETag;
        var problem = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "regex", pattern })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("pattern");
        problem.ToJsonString().ShouldContain(reason, Case.Insensitive);
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("(a+)+$")]
    [InlineData("[[[[")]
    public async Task A_substring_is_escaped_so_its_metacharacters_match_literally(string text)
    {
        using var admin = host.Admin();
        var rule = await AddAsync(admin, "deny", "substring", text);
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
    [InlineData("""{"list":"allow","kind":"substring"}""", "pattern")]
    [InlineData("""{"list":null,"kind":"regex","pattern":"x"}""", "list")]
    [InlineData("""{"list":"deny","kind":null,"pattern":"x"}""", "kind")]
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
    public async Task Rules_beyond_eight_shards_of_one_kilobyte_are_refused_up_front_with_a_clear_400()
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        // Two 480-character patterns fit one shard, so sixteen fill all eight.
        for (var i = 0; i < 16; i++)
        {
            var response = await admin.PostJsonAsync("/v1/user-agents", new { list = i % 2 == 0 ? "allow" : "deny", kind = "substring", pattern = $"{i:D2}" + new string('x', 478) });
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
        var items = await store.ListAllAsync();
        Enumerable.Range(0, 8).ShouldAllBe(n => items.ContainsKey($"ua:{n}") && KvsLimits.ByteCount(items[$"ua:{n}"]) <= KvsLimits.MaxValueBytes);
        JsonNode.Parse(items["cfg"])!["ua"]!.GetValue<int>().ShouldBe(8);

        var etag = (await store.DescribeAsync()).ETag;
        var problem = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "substring", pattern = "one-too-many" + new string('y', 470) }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("pattern");
        problem.ToJsonString().ShouldContain("at most 8");
        (await store.DescribeAsync()).ETag.ShouldBe(etag);
        var tooLong = await (await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "substring", pattern = new string('€', 400) }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        tooLong.ErrorFields().ShouldContain("pattern");
        tooLong.ToJsonString().ShouldContain("does not fit one 1024-byte shard");
        (await admin.GetJsonAsync("/v1/user-agents"))["shards"]!.GetValue<int>().ShouldBe(8);
    }
}
