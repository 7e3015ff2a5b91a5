using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.Expectations;

/// <summary>/v1/expectations: the admin's expectations stored and audited, the built-in ones listed beside them and muted one at a time.</summary>
public abstract class ExpectationRoutesContract(ApiHost host)
{
    static object NativePlayer(string name, string expect = "pass", string? reason = null) => new
    {
        name,
        request = new { uri = "/live/a/index.m3u8?token=1", headers = new Dictionary<string, string> { ["user-agent"] = "AppleCoreMedia/1.0" } },
        expect,
        reason,
    };

    static JsonNode Named(JsonNode list, string name) =>
        list["items"]!.AsArray().SingleOrDefault(e => e!.Text("name") == name) ?? throw new ShouldAssertException($"{name} is not listed: {list.ToJsonString()}");

    [Fact]
    public async Task An_expectation_is_added_listed_with_whether_it_holds_and_deleted_each_step_audited()
    {
        using var admin = host.Admin();
        var added = await admin.PostJsonAsync("/v1/expectations", NativePlayer("native-denied", "deny", "ua-not-allowed"));
        var body = await added.JsonAsync();
        added.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        body["holds"]!.GetValue<bool>().ShouldBeTrue();
        body.Text("outcome").ShouldBe("deny");
        body.Text("outcomeReason").ShouldBe("ua-not-allowed");

        var listed = Named(await admin.GetJsonAsync("/v1/expectations"), "native-denied");
        listed["builtIn"]!.GetValue<bool>().ShouldBeFalse();
        listed["request"]!.Text("uri").ShouldBe("/live/a/index.m3u8?token=1");
        (await admin.PostJsonAsync("/v1/expectations", NativePlayer("native-denied"))).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        (await admin.DeleteAsync("/v1/expectations/native-denied")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.DeleteAsync("/v1/expectations/native-denied")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.GetJsonAsync("/v1/expectations"))["items"]!.AsArray().ShouldNotContain(e => e!.Text("name") == "native-denied");
        var audit = (await admin.GetJsonAsync("/v1/audit?target=native-denied"))["items"]!.AsArray().Select(e => e!.Text("action")).Reverse();
        audit.ShouldBe(["expectation.add", "expectation.delete"]);
    }

    [Fact]
    public async Task An_expectation_that_fails_now_is_listed_as_failing()
    {
        using var admin = host.Admin();
        (await (await admin.PostJsonAsync("/v1/expectations", NativePlayer("native-passes"))).JsonAsync())["holds"]!.GetValue<bool>().ShouldBeFalse();
        var list = await admin.GetJsonAsync("/v1/expectations");
        Named(list, "native-passes")["holds"]!.GetValue<bool>().ShouldBeFalse();
        list["failing"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);
        (await admin.DeleteAsync("/v1/expectations/native-passes")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_fresh_install_has_built_in_expectations_once_it_has_an_origin_and_a_partner_secret_and_one_can_be_muted()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://builtin.expect.example" })).EnsureSuccessStatusCode();
        await admin.CreatePartnerAsync("builtin-partner");
        await admin.CreateSecretAsync("builtin-partner");

        var list = await admin.GetJsonAsync("/v1/expectations");
        foreach (var name in new[] { "builtin:partner:builtin-partner", "builtin:browsers:https://builtin.expect.example", "builtin:forged-mediatailor" })
        {
            var builtIn = Named(list, name);
            builtIn["builtIn"]!.GetValue<bool>().ShouldBeTrue();
            builtIn["holds"]!.GetValue<bool>().ShouldBeTrue(builtIn.ToJsonString());
            builtIn["request"].ShouldBeNull();
        }

        var muted = await admin.PostJsonAsync("/v1/expectations/mutes", new { name = "builtin:browsers:https://builtin.expect.example", muted = true });
        muted.StatusCode.ShouldBe(HttpStatusCode.OK, await muted.Content.ReadAsStringAsync());
        Named(await admin.GetJsonAsync("/v1/expectations"), "builtin:browsers:https://builtin.expect.example")["muted"]!.GetValue<bool>().ShouldBeTrue();
        // Muted: no longer checked, so the origin goes without force.
        (await admin.DeleteAsync("/v1/origins/https://builtin.expect.example")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.PostJsonAsync("/v1/expectations/mutes", new { name = "builtin:browsers:https://builtin.expect.example", muted = false })).EnsureSuccessStatusCode();
        var audit = (await admin.GetJsonAsync("/v1/audit?target=builtin:browsers:https://builtin.expect.example"))["items"]!.AsArray().Select(e => e!.Text("action")).Reverse();
        audit.ShouldBe(["expectation.mute", "expectation.unmute"]);
    }

    [Theory]
    [InlineData("""{"name":"Bad Name","request":{"uri":"/a"},"expect":"pass"}""", "name")]
    [InlineData("""{"name":"no-request","expect":"pass"}""", "request")]
    [InlineData("""{"name":"bad-uri","request":{"uri":"a"},"expect":"pass"}""", "request.uri")]
    [InlineData("""{"name":"bad-expect","request":{"uri":"/a"},"expect":"maybe"}""", "expect")]
    [InlineData("""{"name":"pass-reason","request":{"uri":"/a"},"expect":"pass","reason":"ua-denied"}""", "reason")]
    [InlineData("""{"name":"bad-method","request":{"uri":"/a","method":"BREW"},"expect":"pass"}""", "request.method")]
    public async Task A_malformed_expectation_is_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        using var admin = host.Admin();
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/expectations", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain(field, problem.ToJsonString());
        (await admin.GetJsonAsync("/v1/expectations"))["items"]!.AsArray().ShouldAllBe(e => e!["builtIn"]!.GetValue<bool>() || !e.Text("name").StartsWith("bad", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_secret_in_an_expectation_is_refused_and_only_built_ins_name_partners()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("no-secret-kept");
        var secret = (await admin.CreateSecretAsync("no-secret-kept")).Text("secret");
        var refused = await admin.PostJsonAsync("/v1/expectations", new { name = "with-secret", request = new { uri = $"/_p/{secret}/index.m3u8" }, expect = "pass" });
        await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        host.EverythingOnDisk().ShouldNotContain(secret[5..]);
    }

    [Fact]
    public async Task Muting_names_only_built_ins_and_deleting_only_the_admins_own()
    {
        using var admin = host.Admin();
        (await (await admin.PostJsonAsync("/v1/expectations/mutes", new { name = "native-player" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("name");
        (await admin.DeleteAsync("/v1/expectations/builtin:forged-mediatailor")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Reading_needs_rules_read_and_changing_needs_rules_write()
    {
        var reader = await host.CreateTokenAsync("expectations-reader", ["rules:read"]);
        using var client = host.Client(reader);
        (await client.GetAsync("/v1/expectations")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.PostJsonAsync("/v1/expectations", NativePlayer("not-allowed"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.PostJsonAsync("/v1/expectations/mutes", new { name = "builtin:forged-mediatailor" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var anonymous = host.Client(null);
        (await anonymous.GetAsync("/v1/expectations")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}

public sealed class ExpectationRoutesTests(ApiHost host) : ExpectationRoutesContract(host), IClassFixture<ApiHost>;

public sealed class PostgresExpectationRoutesTests(PostgresApiHost host) : ExpectationRoutesContract(host), IClassFixture<PostgresApiHost>;
