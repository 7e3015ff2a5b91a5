using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Settings;

public sealed class SettingsTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task The_first_start_writes_the_contract_default_policy()
    {
        using var admin = host.Admin();
        var audit = await admin.GetJsonAsync("/v1/audit?action=settings.initialize");
        var entry = audit["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["actor"]!.GetValue<string>().ShouldBe("system");
        var cfg = JsonNode.Parse(entry["after"]!.GetValue<string>())!;
        cfg["v"]!.GetValue<int>().ShouldBe(2);
        cfg["mode"]!.GetValue<string>().ShouldBe("enforce");
        cfg["fail"]!.GetValue<string>().ShouldBe("closed");
        cfg["marker"]!.GetValue<string>().ShouldBe("_p");
        (await host.Service<IKeyValueStore>().GetAsync("cfg")).ShouldNotBeNull();
    }

    [Fact]
    public async Task Changing_some_settings_keeps_the_others_and_what_the_settings_do_not_own()
    {
        using var admin = host.Admin();
        // Report lets the forged MediaTailor request through (builtin:forged-mediatailor flips): forced.
        var response = await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { mode = "report", publicPaths = new[] { "/healthz", "/status/" }, denyStatus = 401 });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        var cfg = JsonNode.Parse((await host.Service<IKeyValueStore>().GetAsync("cfg"))!.Value)!;
        cfg["mode"]!.GetValue<string>().ShouldBe("report");
        cfg["deny"]!.GetValue<int>().ShouldBe(401);
        cfg["public"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe(["/healthz", "/status/"]);
        cfg["noOrigin"]!.GetValue<string>().ShouldBe("ua");
        cfg["ua"]!.GetValue<int>().ShouldBe(0);
        var audit = await admin.GetJsonAsync("/v1/audit?action=settings.update");
        var entry = audit["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["after"]!.GetValue<string>().ShouldContain("\"mode\":\"report\"");
    }

    [Fact]
    public async Task Public_paths_that_would_push_the_policy_over_1_KB_are_refused_before_writing()
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var paths = Enumerable.Range(0, 20).Select(i => $"/static/assets/{i:D2}/" + new string('p', 60)).ToArray();
        var problem = await (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", new { publicPaths = paths })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("publicPaths");
        problem.ToJsonString().ShouldContain("1024");
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("""{"mode":"block"}""", "mode")]
    [InlineData("""{"noOrigin":"maybe"}""", "noOrigin")]
    [InlineData("""{"denyStatus":500}""", "denyStatus")]
    [InlineData("""{"failPolicy":"sometimes"}""", "failPolicy")]
    [InlineData("""{"wildcardDepth":9}""", "wildcardDepth")]
    [InlineData("""{"secretMarker":"a/b"}""", "secretMarker")]
    [InlineData("""{"publicPaths":["healthz"]}""", "publicPaths[0]")]
    [InlineData("""{"publicPaths":["/a/../admin"]}""", "publicPaths[0]")]
    [InlineData("""{"publicPaths":["/a?x=1"]}""", "publicPaths[0]")]
    public async Task Invalid_settings_are_refused_naming_the_field(string body, string field)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var problem = await (await admin.SendRawAsync(HttpMethod.Patch, "/v1/settings", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain(field);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }
}
