using System.Net;
using EdgeAllowlist.Api.Tests.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>Failed console sign-ins meet the API's failure limiter and its aggregated audit, counted per client address.</summary>
public sealed class SignInTests(FewAddressesApiHost host) : IClassFixture<FewAddressesApiHost>
{
    [Fact]
    public async Task Wrong_tokens_are_limited_per_address_and_audited_like_API_failures_while_a_valid_one_still_signs_in()
    {
        using var browser = new ConsoleClient(host.BaseAddress);
        for (var i = 0; i < 3; i++)
        {
            var refused = await browser.SignInAsync(Flood.RandomToken());
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("The bearer token is unknown");
            refused.Headers.Contains("Set-Cookie").ShouldBeFalse("no session for a refused token");
        }
        var limited = await browser.SignInAsync(Flood.RandomToken());
        limited.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await limited.Content.ReadAsStringAsync()).ShouldContain("Too many failed sign-ins from your address");

        var signedIn = await browser.SignInAsync(host.AdminToken);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Found);
        signedIn.Headers.Location!.ToString().ShouldBe("/console");

        var denials = await Flood.FlushedDenialsAsync(host, 1);
        var entry = denials.Single(e => e!["target"]!.GetValue<string>() == "127.0.0.1")!;
        entry["detail"]!.GetValue<string>().ShouldContain("unknown");
        entry["detail"]!.GetValue<string>().ShouldContain("GET /v1/tokens/current");
    }
}
