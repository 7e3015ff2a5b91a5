using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.Status;

/// <summary>
/// A fresh install enforces, so a forgotten one never leaves the origin open; what would bite a
/// newcomer, native players denied for want of an Origin, is said loudly by the status route.
/// </summary>
public sealed class FirstRunTests(ApiHost host) : IClassFixture<ApiHost>
{
    const string AppleCoreMedia = "AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)";

    [Fact]
    public async Task A_fresh_install_enforces_and_status_warns_that_native_players_are_denied_until_a_user_agent_allow_rule_exists()
    {
        using var admin = host.Admin();
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("enforce");
        var player = await admin.SimulateAsync("/live/a/segment1.ts", new() { ["user-agent"] = AppleCoreMedia });
        player.Text("action").ShouldBe("deny");
        player.Text("reason").ShouldBe("ua-not-allowed");
        var warnings = (await admin.GetJsonAsync("/v1/status"))["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        warnings.ShouldHaveSingleItem().ShouldStartWith("NATIVE PLAYERS WITHOUT ORIGIN ARE DENIED");

        (await admin.PostJsonAsync("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "AppleCoreMedia" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.SimulateAsync("/live/a/segment1.ts", new() { ["user-agent"] = AppleCoreMedia })).Text("action").ShouldBe("pass");
        (await admin.GetJsonAsync("/v1/status"))["warnings"]!.AsArray().ShouldBeEmpty();

        // Each of these flips a built-in expectation (the allow rule's player denied; the forged MediaTailor request let in): forced.
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { noOrigin = "deny" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetJsonAsync("/v1/status"))["warnings"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>().ShouldEndWith("(noOrigin is deny).");
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { noOrigin = "ua", mode = "report" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var reportWarnings = (await admin.GetJsonAsync("/v1/status"))["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        reportWarnings[0].ShouldStartWith("mode is report: nothing is blocked");
        // Status tells the truth from the expectations: in report mode the forged MediaTailor request passes.
        reportWarnings.Skip(1).ShouldHaveSingleItem().ShouldStartWith("EXPECTATION FAILS: builtin:forged-mediatailor: expected deny, the function answers pass");
    }
}
