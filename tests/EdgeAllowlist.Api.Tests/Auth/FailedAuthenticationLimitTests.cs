using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Auth;

public sealed class StrictLimitApiHost() : ApiHost(null, new Dictionary<string, string?> { ["Auth:MaxFailures"] = "5", ["Auth:FailureWindow"] = "01:00:00" });

public sealed class FailedAuthenticationLimitTests(StrictLimitApiHost host) : IClassFixture<StrictLimitApiHost>
{
    [Fact]
    public async Task After_repeated_failures_the_address_gets_429_even_with_a_valid_token_and_health_stays_open()
    {
        using var guesser = host.Client("eaat_" + new string('G', 43));
        for (var i = 0; i < 5; i++)
            (await guesser.GetAsync("/v1/status")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var limited = await guesser.GetAsync("/v1/status");
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter.ShouldNotBeNull();
        (await host.Admin().GetAsync("/v1/status")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await host.Client().GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var audit = host.Service<Infrastructure.Audit.AuditTrail>();
        (await audit.QueryAsync(new(Outcome: "unauthenticated"), 100)).Count.ShouldBe(5);
    }
}
