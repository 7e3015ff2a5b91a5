using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.Simulate;

/// <summary>Simulate beyond <see cref="RunTests"/>: wildcards, report mode, the viewer address, scopes and malformed input.</summary>
public sealed class SimulateTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_browser_on_a_wildcard_origin_passes_after_reading_the_exact_key_first()
    {
        using var admin = host.Admin();
        await admin.PostJsonAsync("/v1/origins", new { origin = "https://*.sim.example.com" });
        var allowed = await admin.SimulateAsync("/v1/segment/a/b.ts",
            new() { ["Origin"] = "https://player.sim.example.com", ["User-Agent"] = PartnerCalls.ChromeUserAgent }, query: "aws.sessionId=1");
        allowed.Text("action").ShouldBe("pass");
        allowed.Text("uri").ShouldBe("/v1/segment/a/b.ts");
        allowed["keysRead"]!.AsArray().Select(r => r!.GetValue<string>())
            .ShouldBe(["cfg", "o:https://player.sim.example.com", "o:https://*.sim.example.com"]);
    }

    [Fact]
    public async Task Reads_give_each_key_the_function_read_with_whether_it_was_there_and_its_stored_value()
    {
        using var admin = host.Admin();
        await admin.PostJsonAsync("/v1/origins", new { origin = "https://reads.example.com", expiresAt = DateTimeOffset.UtcNow.AddDays(3) });
        var result = await admin.SimulateAsync("/v1/master/x.m3u8", new() { ["Origin"] = "https://player.reads.example.com" });
        result.Text("action").ShouldBe("deny");
        var reads = result["reads"]!.AsArray();
        reads.Select(r => r!["key"]!.GetValue<string>()).ShouldBe(result["keysRead"]!.AsArray().Select(k => k!.GetValue<string>()));
        reads.Select(r => (r!["key"]!.GetValue<string>(), r["found"]!.GetValue<bool>()))
            .ShouldBe([("cfg", true), ("o:https://player.reads.example.com", false), ("o:https://*.reads.example.com", false)]);
        // As stored: the simulation's own reason switch is not in the value shown.
        reads[0]!["value"]!.GetValue<string>().ShouldBe((await host.Service<IKeyValueStore>().GetAsync("cfg"))!.Value);

        var exact = await admin.SimulateAsync("/v1/master/x.m3u8", new() { ["Origin"] = "https://reads.example.com" });
        exact["reads"]!.AsArray()[1]!["value"]!.GetValue<string>().ShouldStartWith("{\"exp\":");
    }

    [Fact]
    public async Task Report_mode_passes_and_names_the_would_be_denial_from_the_log_line()
    {
        using var admin = host.Admin();
        // Report lets the forged MediaTailor request through: a flip of a built-in expectation, so forced.
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { mode = "report" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        try
        {
            var result = await admin.SimulateAsync("/v1/master/x.m3u8", new() { ["origin"] = "https://nobody.example.org" });
            result.Text("action").ShouldBe("pass");
            result.Text("reason").ShouldBe("origin-unknown");
            result["logs"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>().ShouldContain("\"allowlist\":\"report\"");
        }
        finally
        {
            // Back to enforce with no allow rule: builtin:native-players flips, so forced.
            await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { mode = "enforce" });
        }
    }

    [Fact]
    public async Task Simulating_writes_nothing_audits_nothing_and_needs_rules_read()
    {
        var reader = await host.CreateTokenAsync("simulate-reader", ["rules:read"]);
        using var client = host.Client(reader);
        var store = host.Service<IKeyValueStore>();
        var etag = (await store.DescribeAsync()).ETag;
        using var admin = host.Admin();
        var head = await admin.AuditHeadAsync();
        var denied = await client.PostJsonAsync("/v1/simulate", new { uri = "/anything", viewerIp = "2001:db8::7" });
        (await denied.JsonAsync()).Text("action").ShouldBe("deny");
        (await store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.AuditHeadAsync()).ShouldBe(head);

        var secretsAdmin = await host.CreateTokenAsync("simulate-secrets-admin", ["secrets:admin", "rules:write"]);
        using var other = host.Client(secretsAdmin);
        (await other.PostJsonAsync("/v1/simulate", new { uri = "/" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("""{"uri":""}""", "uri")]
    [InlineData("""{"uri":null}""", "uri")]
    [InlineData("""{"uri":"/a b"}""", "uri")]
    [InlineData("""{"uri":"/","method":null}""", "method")]
    [InlineData("""{"uri":"/","headers":{"bad header":"x"}}""", "headers")]
    [InlineData("""{"uri":"/","headers":{"user-agent":"a\u0000b"}}""", "headers")]
    [InlineData("""{"uri":"/","headers":{"user-agent":null}}""", "headers")]
    [InlineData("""{"uri":"/","viewerIp":"300.1.1.1"}""", "viewerIp")]
    [InlineData("""{"uri":"/","at":"tomorrow"}""", "at")]
    public async Task A_malformed_simulation_is_refused_naming_the_field(string body, string field)
    {
        using var admin = host.Admin();
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/simulate", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain(f => f.StartsWith(field), problem.ToJsonString());
    }

    [Fact]
    public async Task A_query_in_the_uri_is_split_off_as_CloudFront_does_so_the_template_fetch_passes()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("sim-query");
        var secret = (await admin.CreateSecretAsync("sim-query")).Text("secret");
        var inUri = await admin.SimulateAsync($"/_p/{secret}/test/a.m3u8?aws.sessionId=1", new() { ["user-agent"] = PartnerCalls.MediaTailorUserAgent });
        inUri.Text("action").ShouldBe("pass", inUri.ToJsonString());
        inUri.Text("uri").ShouldBe("/test/a.m3u8");
        var both = await admin.SimulateAsync($"/_p/{secret}/test/a.m3u8?a=1", new() { ["user-agent"] = PartnerCalls.MediaTailorUserAgent }, query: "b=2");
        both.Text("action").ShouldBe("pass", both.ToJsonString());
        // The split is CloudFront's, not a loosening: a path that is no manifest stays out of scope.
        var segment = await admin.SimulateAsync($"/_p/{secret}/test/a.ts?x=a.m3u8", new() { ["user-agent"] = PartnerCalls.MediaTailorUserAgent });
        segment.Text("reason").ShouldBe("secret-scope");
    }

    [Theory]
    [InlineData("/a.m3u8?x=1", null, "/a.m3u8", "x=1")]
    [InlineData("/a.m3u8?x=1", "y=2", "/a.m3u8", "x=1&y=2")]
    [InlineData("/a.m3u8?", "y=2", "/a.m3u8", "y=2")]
    [InlineData("/a.m3u8", "y=2", "/a.m3u8", "y=2")]
    [InlineData("/a?b?c", null, "/a", "b?c")]
    public void The_query_split_keeps_the_path_and_joins_both_queries(string uri, string? query, string path, string joined) =>
        EdgeAllowlist.Api.Features.Simulate.Run.Endpoint.SplitQuery(uri, query).ShouldBe((path, (string?)joined));
}
