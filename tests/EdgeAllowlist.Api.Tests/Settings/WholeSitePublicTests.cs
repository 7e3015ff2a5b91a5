using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.DesiredState;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Settings;

/// <summary>
/// A public path that covers the whole site turns every check off, so it is refused unless the
/// request says so in so many words, and the audit entry then records that it was meant.
/// </summary>
public sealed class WholeSitePublicTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Theory]
    [InlineData("/")]
    public async Task A_public_path_covering_the_whole_site_is_refused_without_the_explicit_flag(string path)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        foreach (var body in new object[] { new { publicPaths = new[] { path } }, new { publicPaths = new[] { "/healthz", path } }, new { publicPaths = new[] { path }, allowWholeSitePublic = false } })
        {
            var problem = await (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            problem.ErrorFields().ShouldBe(["publicPaths"]);
            problem.ToJsonString().ShouldContain("allowWholeSitePublic");
        }

        var document = new JsonObject { ["version"] = 1, ["settings"] = new JsonObject { ["publicPaths"] = new JsonArray(path) } };
        var plan = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/desired-state/plan", document.ToJsonString())).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        plan.ErrorFields().ShouldBe(["settings.publicPaths"]);
        (await admin.ApplyAsync(document)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    /// <summary>An encoded slash or an empty segment reads as "/" to some origins, but the function matches only plain prefixes, so the flag cannot make it public.</summary>
    [Theory]
    [InlineData("/%2F")]
    [InlineData("/%2f/")]
    [InlineData("//")]
    [InlineData("///")]
    public async Task An_encoded_whole_site_path_is_refused_even_with_the_flag(string path)
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        foreach (var flag in new[] { false, true })
        {
            var problem = await (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", new { publicPaths = new[] { path }, allowWholeSitePublic = flag }))
                .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            problem.ErrorFields().ShouldContain("publicPaths[0]");
        }
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/status/")]
    [InlineData("/a//")]
    public void Paths_under_a_segment_do_not_cover_the_whole_site(string path) =>
        Rules.Settings.SettingsChange.CoversWholeSite(path).ShouldBeFalse();

    [Fact]
    public async Task With_the_flag_the_whole_site_goes_public_the_audit_says_it_was_meant_and_an_export_plans_as_no_change()
    {
        using var admin = host.Admin();
        // The whole site public lets the forged MediaTailor request through: the flag says it is meant, force says the flip is.
        var response = await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings?force=true", new { publicPaths = new[] { "/" }, allowWholeSitePublic = true });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        body["publicPaths"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe(["/"]);
        JsonNode.Parse((await host.Service<IKeyValueStore>().GetAsync("cfg"))!.Value)!["public"]!.AsArray().Single()!.GetValue<string>().ShouldBe("/");

        var entry = (await admin.GetJsonAsync("/v1/audit?action=settings.update&limit=1"))["items"]!.AsArray().Single()!;
        entry["detail"]!.GetValue<string>().ShouldContain("allowWholeSitePublic");
        entry["detail"]!.GetValue<string>().ShouldContain("whole site public");

        // The export says so too, so a GitOps round trip of the current rules is not refused.
        var export = await admin.ExportAsync();
        export["settings"]!["allowWholeSitePublic"]!.GetValue<bool>().ShouldBeTrue();
        var plan = await admin.PlanAsync(export);
        plan["changes"]!.AsArray().ShouldBeEmpty();

        // Back to a safe prefix: no flag needed, and no such note in the audit.
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", new { publicPaths = new[] { "/healthz" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var safe = (await admin.GetJsonAsync("/v1/audit?action=settings.update&limit=1"))["items"]!.AsArray().Single()!;
        safe["detail"].ShouldBeNull();
        (await admin.ExportAsync())["settings"]!.AsObject().ContainsKey("allowWholeSitePublic").ShouldBeFalse();
    }

    [Fact]
    public async Task A_desired_state_apply_with_the_flag_records_it_in_the_audit()
    {
        using var admin = host.Admin();
        var document = new JsonObject
        {
            ["version"] = 1,
            ["settings"] = new JsonObject { ["publicPaths"] = new JsonArray("/"), ["allowWholeSitePublic"] = true },
        };
        // Forced: a whole-site public path lets the forged MediaTailor request through (a built-in expectation flips).
        await admin.ApplyOkAsync(document, force: true);
        var entry = (await admin.GetJsonAsync("/v1/audit?target=cfg&limit=1"))["items"]!.AsArray().Single()!;
        entry["detail"]!.GetValue<string>().ShouldContain("allowWholeSitePublic");
        (await admin.SendJsonAsync(HttpMethod.Patch, "/v1/settings", new { publicPaths = Array.Empty<string>() })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
