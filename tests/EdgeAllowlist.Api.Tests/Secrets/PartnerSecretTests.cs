using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Secrets;

/// <summary>Partners and their exemption secrets, checked end to end with the real function through simulate.</summary>
public sealed class PartnerSecretTests(ApiHost host) : IClassFixture<ApiHost>
{
    const string MediaTailorUserAgent = "AWSElementalMediaTailor/1.0";

    async Task EnsurePartnerAsync(HttpClient admin, string id, string scope = "manifests")
    {
        var response = await admin.PostJsonAsync("/v1/partners", new { id, scope });
        response.StatusCode.ShouldBeOneOf(HttpStatusCode.Created, HttpStatusCode.Conflict);
    }

    static async Task<JsonNode> SimulateAsync(HttpClient client, string uri, DateTimeOffset? at = null) =>
        await (await client.PostJsonAsync("/v1/simulate", new { uri, headers = new Dictionary<string, string> { ["user-agent"] = MediaTailorUserAgent }, at })).JsonAsync();

    [Fact]
    public async Task MediaTailor_gets_a_secret_once_with_its_url_prefix_and_the_function_lets_its_manifest_fetch_through()
    {
        using var admin = host.Admin();
        await EnsurePartnerAsync(admin, "mediatailor");
        var response = await admin.PostJsonAsync("/v1/partners/mediatailor/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" }, "create-mt-1");
        var issued = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, issued.ToJsonString());
        var secret = issued["secret"]!.GetValue<string>();
        secret.ShouldMatch("^ealp_[A-Za-z0-9_-]{43}$");
        issued["videoContentSourceUrlPrefix"]!.GetValue<string>().ShouldBe($"https://d111111abcdef8.cloudfront.net/_p/{secret}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        var stored = JsonNode.Parse((await host.Service<IKeyValueStore>().GetAsync("x:" + hash))!.Value)!;
        stored["p"]!.GetValue<string>().ShouldBe("mediatailor");
        stored["scope"]!.GetValue<string>().ShouldBe("manifests");

        var manifest = await SimulateAsync(admin, $"/_p/{secret}/test/ACCUSSED_Stereo.m3u8");
        manifest["action"]!.GetValue<string>().ShouldBe("pass", manifest.ToJsonString());
        manifest["uri"]!.GetValue<string>().ShouldBe("/test/ACCUSSED_Stereo.m3u8");
        (await SimulateAsync(admin, $"/_p/{secret}/test/segment1.ts"))["reason"]!.GetValue<string>().ShouldBe("secret-scope");
        (await SimulateAsync(admin, "/test/ACCUSSED_Stereo.m3u8"))["action"]!.GetValue<string>().ShouldBe("deny");

        // A CI retry with the same Idempotency-Key gets the same secret back; no second secret exists.
        var retry = await (await admin.PostJsonAsync("/v1/partners/mediatailor/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" }, "create-mt-1")).JsonAsync();
        retry["secret"]!.GetValue<string>().ShouldBe(secret);
        var listed = await admin.GetStringAsync("/v1/partners/mediatailor/secrets");
        listed.ShouldNotContain(secret);
        listed.ShouldNotContain(hash);
        listed.ShouldContain(hash[..12]);
        JsonNode.Parse(listed)!["items"]!.AsArray().Count(s => s!["id"]!.GetValue<string>() == issued["metadata"]!["id"]!.GetValue<string>()).ShouldBe(1);

        var export = await (await admin.GetAsync("/v1/audit/export")).Content.ReadAsStringAsync();
        export.ShouldNotContain(secret);
        export.ShouldNotContain(secret[5..]);
        host.Logs.All.ShouldNotContain(secret[5..]);
    }

    [Fact]
    public async Task Rotation_keeps_the_old_secret_valid_until_the_grace_period_ends_and_the_sweep_then_removes_it()
    {
        using var admin = host.Admin();
        await EnsurePartnerAsync(admin, "rotating", "all");
        var old = (await (await admin.PostJsonAsync("/v1/partners/rotating/secrets", new { })).JsonAsync())["secret"]!.GetValue<string>();
        var rotated = await (await admin.PostJsonAsync("/v1/partners/rotating/secrets/rotate", new { graceHours = 1 })).JsonAsync();
        var fresh = rotated["secret"]!.GetValue<string>();
        rotated["expiring"]!.AsArray().ShouldHaveSingleItem();

        var now = DateTimeOffset.UtcNow;
        (await SimulateAsync(admin, $"/_p/{old}/a.ts"))["action"]!.GetValue<string>().ShouldBe("pass");
        (await SimulateAsync(admin, $"/_p/{fresh}/a.ts"))["action"]!.GetValue<string>().ShouldBe("pass");
        (await SimulateAsync(admin, $"/_p/{old}/a.ts", now.AddHours(2)))["reason"]!.GetValue<string>().ShouldBe("secret-expired");
        (await SimulateAsync(admin, $"/_p/{fresh}/a.ts", now.AddHours(2)))["action"]!.GetValue<string>().ShouldBe("pass");

        // With no grace, the previous secret expires at once; the sweep deletes its key and audits it.
        await (await admin.PostJsonAsync("/v1/partners/rotating/secrets/rotate", new { graceHours = 0 })).JsonAsync();
        var removed = await host.Service<Features.Secrets.SecretSweep>().SweepAsync(default);
        removed.ShouldBeGreaterThanOrEqualTo(1);
        (await SimulateAsync(admin, $"/_p/{fresh}/a.ts"))["reason"]!.GetValue<string>().ShouldBe("secret-unknown");
        (await admin.GetJsonAsync("/v1/audit?action=secret.sweep"))["items"]!.AsArray().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Revoking_removes_the_secret_at_once()
    {
        using var admin = host.Admin();
        await EnsurePartnerAsync(admin, "leaky", "all");
        var issued = await (await admin.PostJsonAsync("/v1/partners/leaky/secrets", new { })).JsonAsync();
        var id = issued["metadata"]!["id"]!.GetValue<string>();
        (await admin.DeleteAsync($"/v1/partners/leaky/secrets/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await SimulateAsync(admin, $"/_p/{issued["secret"]!.GetValue<string>()}/a.m3u8"))["reason"]!.GetValue<string>().ShouldBe("secret-unknown");
        var listed = await admin.GetJsonAsync("/v1/partners/leaky/secrets");
        listed["items"]!.AsArray().ShouldHaveSingleItem()!["state"]!.GetValue<string>().ShouldBe("revoked");
        await (await admin.DeleteAsync("/v1/partners/leaky/secrets/sec_unknown")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_rotate_token_limited_to_one_partner_cannot_touch_another_or_revoke()
    {
        using var admin = host.Admin();
        await EnsurePartnerAsync(admin, "mine", "all");
        await EnsurePartnerAsync(admin, "theirs", "all");
        var token = (await (await admin.PostJsonAsync("/v1/tokens", new { name = "ci-mine", scopes = new[] { "secrets:rotate" }, partners = new[] { "mine" } })).JsonAsync())["token"]!.GetValue<string>();
        using var ci = host.Client(token);
        var mine = await ci.PostJsonAsync("/v1/partners/mine/secrets/rotate", new { });
        mine.StatusCode.ShouldBe(HttpStatusCode.Created);
        await (await ci.PostJsonAsync("/v1/partners/theirs/secrets/rotate", new { })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var id = (await mine.JsonAsync())["metadata"]!["id"]!.GetValue<string>();
        await (await ci.DeleteAsync($"/v1/partners/mine/secrets/{id}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var denied = await admin.GetJsonAsync("/v1/audit?actor=ci-mine&outcome=forbidden");
        denied["items"]!.AsArray().Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("/v1/partners", """{"id":"Bad Id","scope":"all"}""", "id")]
    [InlineData("/v1/partners", """{"id":"ok","scope":"everything"}""", "scope")]
    [InlineData("/v1/partners/mediatailor/secrets", """{"distributionDomain":"https://x.cloudfront.net"}""", "distributionDomain")]
    [InlineData("/v1/partners/mediatailor/secrets", """{"expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("/v1/partners/mediatailor/secrets/rotate", """{"graceHours":-1}""", "graceHours")]
    [InlineData("/v1/partners/NOPE/secrets", "{}", "partner")]
    public async Task Bad_partner_and_secret_requests_name_the_field(string path, string body, string field)
    {
        using var admin = host.Admin();
        await EnsurePartnerAsync(admin, "mediatailor");
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, path, body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain(field);
    }
}
