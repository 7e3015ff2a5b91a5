using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.Expectations;

/// <summary>
/// Every write is run first through the function on the store as it would be after it: a change that
/// flips an expectation is a 409 listing the flips with nothing written, unless forced (?force=true),
/// and then the audit entries carry the flips. The repros of issue 19, one test each.
/// </summary>
public sealed class WriteCheckTests(ApiHost host) : IClassFixture<ApiHost>
{
    const string AppleCoreMedia = "AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)";

    IKeyValueStore Store => host.Service<IKeyValueStore>();

    static async Task<JsonArray> FlipsAsync(HttpResponseMessage response)
    {
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem.ErrorFields().ShouldContain("force");
        return problem["flips"]!.AsArray();
    }

    static JsonNode Flip(JsonArray flips, string name) =>
        flips.SingleOrDefault(f => f!.Text("name") == name) ?? throw new ShouldAssertException($"no flip {name} in {flips.ToJsonString()}");

    [Fact]
    public async Task A_first_user_agent_allow_rule_keeps_desktop_browsers_passing_so_nothing_flips_and_its_removal_is_refused()
    {
        // Allow rules admit native players only (issue 18): the first one breaks no browser, so it needs no force.
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://player.uacheck.example" })).EnsureSuccessStatusCode();

        var added = await admin.PostJsonAsync("/v1/user-agents", new { list = "allow", kind = "contains", pattern = "AppleCoreMedia" });
        var rule = await added.JsonAsync();
        added.StatusCode.ShouldBe(HttpStatusCode.Created, rule.ToJsonString());
        (await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://player.uacheck.example", ["user-agent"] = PartnerCalls.ChromeUserAgent })).Text("action").ShouldBe("pass");
        (await admin.SimulateAsync("/index.m3u8", new() { ["user-agent"] = AppleCoreMedia })).Text("action").ShouldBe("pass");

        // Removing it would deny the native players it admits: the built-in no-Origin expectation flips.
        var etag = (await Store.DescribeAsync()).ETag;
        var flips = await FlipsAsync(await admin.DeleteAsync($"/v1/user-agents/allow/{rule.Text("id")}"));
        var flip = flips.AsArray().Single(f => f!.Text("name").StartsWith("builtin:no-origin", StringComparison.Ordinal))!;
        (flip.Text("before"), flip.Text("after")).ShouldBe(("pass", "deny"));
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.DeleteAsync($"/v1/user-agents/allow/{rule.Text("id")}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_forced_write_goes_through_and_its_audit_entries_record_the_flips()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://forced.uacheck.example" })).EnsureSuccessStatusCode();
        (await admin.DeleteAsync("/v1/origins/https://forced.uacheck.example")).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        (await admin.DeleteAsync("/v1/origins/https://forced.uacheck.example?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await Store.GetAsync("o:https://forced.uacheck.example")).ShouldBeNull();
        var entry = (await admin.GetJsonAsync("/v1/audit?action=origin.delete&target=https://forced.uacheck.example"))["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry.Text("detail").ShouldContain("forced past 1 expectation flip(s): builtin:browsers:https://forced.uacheck.example (pass -> deny)");
    }

    [Fact]
    public async Task Revoking_a_partners_last_working_secret_is_refused_but_revoking_one_of_two_is_not()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("last-secret");
        var first = await admin.CreateSecretAsync("last-secret");
        var second = await admin.CreateSecretAsync("last-secret");

        (await admin.DeleteAsync($"/v1/partners/last-secret/secrets/{first.Text("id")}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var etag = (await Store.DescribeAsync()).ETag;
        var flips = await FlipsAsync(await admin.DeleteAsync($"/v1/partners/last-secret/secrets/{second.Text("id")}"));

        var flip = Flip(flips, "builtin:partner:last-secret");
        (flip.Text("before"), flip.Text("after"), flip.Text("reason")).ShouldBe(("pass", "deny", "secret-unknown"));
        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.SimulateMediaTailorAsync(second.Text("secret"))).Text("action").ShouldBe("pass");
    }

    [Fact]
    public async Task Rotating_with_no_grace_is_refused_because_MediaTailor_still_holds_an_old_secret_but_a_grace_keeps_it_working()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("rotate-check");
        var old = await admin.CreateSecretAsync("rotate-check");

        var flips = await FlipsAsync(await admin.PostJsonAsync("/v1/partners/rotate-check/secrets/rotate", new { graceSeconds = 0 }));
        (Flip(flips, "builtin:partner:rotate-check").Text("reason")).ShouldBe("secret-expired");

        var rotated = await admin.IssueAsync("/v1/partners/rotate-check/secrets/rotate", new { graceSeconds = 3600 });
        (await admin.SimulateMediaTailorAsync(old.Text("secret"))).Text("action").ShouldBe("pass");
        (await admin.SimulateMediaTailorAsync(rotated.Text("secret"))).Text("action").ShouldBe("pass");
    }

    [Fact]
    public async Task Switching_to_enforce_before_native_players_have_an_allow_rule_is_refused_by_the_built_in_native_players_expectation()
    {
        // No User-Agent allow rule here (the first test of this class removes the one it adds).
        using var admin = host.Admin();
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { mode = "report" })).EnsureSuccessStatusCode();
        var builtIn = (await admin.GetJsonAsync("/v1/expectations"))["items"]!.AsArray().Single(e => e!.Text("name") == "builtin:native-players")!;
        builtIn["holds"]!.GetValue<bool>().ShouldBeTrue();
        builtIn.Text("description").ShouldContain("applecoremedia");
        var kept = await admin.PostJsonAsync("/v1/expectations", new
        {
            name = "native-player",
            request = new { uri = "/live/a/segment1.ts", headers = new Dictionary<string, string> { ["user-agent"] = AppleCoreMedia } },
            expect = "pass",
        });
        (await kept.JsonAsync())["holds"]!.GetValue<bool>().ShouldBeTrue();

        var flips = await FlipsAsync(await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", new { mode = "enforce" }));

        var flip = Flip(flips, "builtin:native-players");
        (flip.Text("before"), flip.Text("after"), flip.Text("reason")).ShouldBe(("pass", "deny", "ua-not-allowed"));
        flip["builtIn"]!.GetValue<bool>().ShouldBeTrue();
        Flip(flips, "native-player")["builtIn"]!.GetValue<bool>().ShouldBeFalse();
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("report");

        // Without the admin's own expectation the built-in alone still refuses it.
        (await admin.DeleteAsync("/v1/expectations/native-player")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        Flip(await FlipsAsync(await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", new { mode = "enforce" })), "builtin:native-players");
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { mode = "enforce" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        // Denied now, which status says in its own words; the built-in is no longer listed as if it could hold.
        (await admin.GetJsonAsync("/v1/status"))["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ShouldContain(w => w.StartsWith("NATIVE PLAYERS WITHOUT ORIGIN ARE DENIED", StringComparison.Ordinal));
        (await admin.GetJsonAsync("/v1/expectations"))["items"]!.AsArray().ShouldNotContain(e => e!.Text("name") == "builtin:native-players");
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("true&force=true")]
    public async Task A_force_other_than_true_or_false_is_a_400_naming_force_and_nothing_is_written(string force)
    {
        using var admin = host.Admin();
        var origin = $"https://force-{Guid.NewGuid():N}.uacheck.example";
        (await admin.PostJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();
        var partner = $"force-{Guid.NewGuid():N}"[..20];
        await admin.CreatePartnerAsync(partner);
        var first = await admin.CreateSecretAsync(partner);
        await admin.CreateSecretAsync(partner);
        var document = (await admin.GetJsonAsync("/v1/desired-state")).AsObject();
        document["origins"] = new JsonArray();
        var etag = (await Store.DescribeAsync()).ETag;

        foreach (var refused in new[]
        {
            await admin.DeleteAsync($"/v1/origins/{origin}?force={force}"),
            await admin.DeleteAsync($"/v1/partners/{partner}/secrets/{first.Text("id")}?force={force}"),
            await admin.SendJsonAsync(HttpMethod.Patch, $"/v1/settings?force={force}", new { denyStatus = 404 }),
            await admin.SendRawAsync(HttpMethod.Post, $"/v1/desired-state/apply?force={force}", document.ToJsonString()),
        })
        {
            (await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["force"]);
        }

        (await Store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.SimulateMediaTailorAsync(first.Text("secret"))).Text("action").ShouldBe("pass");
        (await admin.GetJsonAsync("/v1/settings"))["denyStatus"]!.GetValue<int>().ShouldNotBe(404);
        // true and false in any case are the two values: FALSE refuses past the flip, TRUE writes.
        (await admin.DeleteAsync($"/v1/origins/{origin}?force=FALSE")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.DeleteAsync($"/v1/origins/{origin}?force=True")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Adding_an_origin_breaks_nothing_and_a_browser_on_it_passes()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://*.wild.uacheck.example" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var listed = (await admin.GetJsonAsync("/v1/expectations"))["items"]!.AsArray();
        var browsers = listed.Single(e => e!.Text("name") == "builtin:browsers:https://*.wild.uacheck.example")!;
        browsers["holds"]!.GetValue<bool>().ShouldBeTrue();
        browsers.Text("description").ShouldContain("https://www.wild.uacheck.example");
    }
}
