using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Simulate;

/// <summary>The simulate endpoint runs the real function file against the current store.</summary>
public sealed class RunTests(ApiHost host) : IClassFixture<ApiHost>
{
    static object Browser(string origin) => new
    {
        method = "GET",
        uri = "/v1/master/abc/index.m3u8",
        headers = new Dictionary<string, string> { ["origin"] = origin, ["user-agent"] = "Mozilla/5.0" },
    };

    [Fact]
    public async Task Adding_an_origin_flips_the_functions_decision_without_redeploying_it()
    {
        using var admin = host.Admin();
        var before = await (await admin.PostJsonAsync("/v1/simulate", Browser("https://player.sim.example"))).JsonAsync();
        before["action"]!.GetValue<string>().ShouldBe("deny");
        before["status"]!.GetValue<int>().ShouldBe(403);
        before["reason"]!.GetValue<string>().ShouldBe("origin-unknown");
        before["keysRead"]![0]!.GetValue<string>().ShouldBe("cfg");

        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://player.sim.example" })).EnsureSuccessStatusCode();
        var after = await (await admin.PostJsonAsync("/v1/simulate", Browser("https://player.sim.example"))).JsonAsync();
        after["action"]!.GetValue<string>().ShouldBe("pass");
        after["uri"]!.GetValue<string>().ShouldBe("/v1/master/abc/index.m3u8");
        after["keysRead"]!.AsArray().Select(k => k!.GetValue<string>()).ShouldContain("o:https://player.sim.example");
        after["kvsReads"]!.GetValue<int>().ShouldBe(after["keysRead"]!.AsArray().Count);
    }

    [Fact]
    public async Task An_expired_origin_is_denied_as_expired_when_simulated_after_its_expiry()
    {
        using var admin = host.Admin();
        var expires = DateTimeOffset.UtcNow.AddDays(1);
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://expiring.sim.example", expiresAt = expires })).EnsureSuccessStatusCode();
        var later = await (await admin.PostJsonAsync("/v1/simulate", new
        {
            uri = "/seg/1.ts",
            headers = new Dictionary<string, string> { ["origin"] = "https://expiring.sim.example" },
            at = expires.AddMinutes(1),
        })).JsonAsync();
        later["reason"]!.GetValue<string>().ShouldBe("origin-expired");
    }

    [Fact]
    public async Task A_simulation_writes_nothing_and_bad_requests_name_the_field()
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        (await admin.PostJsonAsync("/v1/simulate", new { uri = "/x", headers = new Dictionary<string, string>() })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
        (await (await admin.PostJsonAsync("/v1/simulate", new { uri = "no-slash" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("uri");
        (await (await admin.PostJsonAsync("/v1/simulate", new { uri = "/", method = "BREW" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("method");
    }
}
