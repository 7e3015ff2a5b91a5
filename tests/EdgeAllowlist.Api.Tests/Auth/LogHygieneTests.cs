using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.Auth;

public sealed class LogHygieneTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Tokens_never_reach_the_logs_or_the_audit_trail()
    {
        using var admin = host.Admin();
        var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = "log-check", scopes = new[] { "rules:write", "audit:read" } }, "log-key-1")).JsonAsync();
        var token = created["token"]!.GetValue<string>();
        using var writer = host.Client(token);
        (await writer.PostJsonAsync("/v1/origins", new { origin = "https://logs.example.com" })).EnsureSuccessStatusCode();
        (await writer.GetAsync("/v1/tokens")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        var wrong = token[..^4] + "AAAA";
        (await host.Client(wrong).GetAsync("/v1/status")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        (await admin.PostJsonAsync("/v1/tokens", new { name = "log-check", scopes = new[] { "rules:write", "audit:read" } }, "log-key-1")).EnsureSuccessStatusCode();

        host.Logs.Lines.ShouldNotBeEmpty();
        foreach (var secret in new[] { token, wrong, host.AdminToken, token[5..], host.AdminToken[5..] })
        {
            host.Logs.All.ShouldNotContain(secret);
            var export = await (await admin.GetAsync("/v1/audit/export")).Content.ReadAsStringAsync();
            export.ShouldNotContain(secret);
        }
    }
}

public sealed class RedactionTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_secret_or_token_pasted_where_it_does_not_belong_is_refused_and_kept_nowhere_but_redacted()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("leaky");
        var secret = (await admin.CreateSecretAsync("leaky")).Text("secret");
        var token = await host.CreateTokenAsync("pasted", ["rules:read"]);

        // A secret where its id belongs: 400 saying to revoke it, the secret redacted even in the problem's instance.
        var pasted = await admin.DeleteAsync($"/v1/partners/leaky/secrets/{secret}");
        var problem = await pasted.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe(["id"]);
        problem["detail"]!.GetValue<string>().ShouldContain("looks like a partner secret (ealp_***)");
        problem["detail"]!.GetValue<string>().ShouldContain("revoke it");
        problem["instance"]!.GetValue<string>().ShouldBe("/v1/partners/leaky/secrets/ealp_***");
        // A token where a name belongs, in a query, in a nested body member.
        var named = await (await admin.PostJsonAsync("/v1/tokens", new { name = token, scopes = new[] { "rules:read" } })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        named.ErrorFields().ShouldBe(["name"]);
        named["detail"]!.GetValue<string>().ShouldContain("looks like an API token (eaat_***)");
        (await (await admin.GetAsync($"/v1/origins?contains={secret}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["contains"]);
        var bulk = new { origins = new object[] { new { origin = "https://ok.example.com" }, new { origin = "https://leak.example.com", note = $"rotated, old one was {secret}" } } };
        (await (await admin.PostJsonAsync("/v1/origins/bulk", bulk)).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["origins[1].note"]);
        // Refused before the endpoint: nothing written.
        (await admin.GetJsonAsync("/v1/origins"))["items"]!.AsArray().ShouldBeEmpty();
        // Callers without the scope or without a token get their 403/401, audited with the path redacted.
        var forbidden = await host.Client(token).DeleteAsync($"/v1/partners/leaky/secrets/{secret}");
        (await forbidden.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).ToJsonString().ShouldNotContain(secret[5..]);
        var unauthenticated = await host.Client().DeleteAsync($"/v1/partners/leaky/secrets/{secret}");
        (await unauthenticated.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).ToJsonString().ShouldNotContain(secret[5..]);
        // Where a secret belongs, the simulator's uri, it still works.
        (await admin.SimulateMediaTailorAsync(secret)).Text("action").ShouldBe("pass");

        await Flood.FlushedDenialsAsync(host, 1);
        var export = await admin.GetStringAsync("/v1/audit/export");
        export.ShouldContain("DELETE /v1/partners/leaky/secrets/ealp_***");
        export.ShouldContain("First: DELETE /v1/partners/leaky/secrets/ealp_***");
        host.Logs.All.ShouldContain("/v1/partners/leaky/secrets/ealp_***");
        var database = await host.EverythingInDatabaseAsync();
        foreach (var leaked in new[] { secret[5..], token[5..] })
        {
            host.Logs.All.ShouldNotContain(leaked);
            export.ShouldNotContain(leaked);
            database.ShouldNotContain(leaked);
            host.EverythingOnDisk().ShouldNotContain(leaked);
        }
    }
}
