using EdgeAllowlist.Api.Tests.Fixtures;

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
