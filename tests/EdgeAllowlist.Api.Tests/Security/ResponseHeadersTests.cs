using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Security;

/// <summary>Hardening headers on every kind of answer: success, problem, refusal, replay, outside /v1.</summary>
public sealed class ResponseHeadersTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    [Fact]
    public async Task Every_v1_answer_is_nosniff_no_referrer_and_no_store_including_problems_refusals_and_replays()
    {
        using var admin = host.Admin();
        using var anonymous = host.Client();
        var key = Guid.NewGuid().ToString();
        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["list"] = await admin.GetAsync("/v1/origins"),
            ["bad input"] = await admin.PostJsonAsync("/v1/origins", new { origin = "ftp://x.example" }),
            ["no token"] = await anonymous.GetAsync("/v1/origins"),
            ["unknown route"] = await admin.GetAsync("/v1/nothing-here"),
            ["token issued"] = await admin.PostJsonAsync("/v1/tokens", new { name = "headers-ci", scopes = new[] { "rules:read" } }, key),
            ["replay"] = await admin.PostJsonAsync("/v1/tokens", new { name = "headers-ci", scopes = new[] { "rules:read" } }, key),
            ["refused replay"] = await admin.PostJsonAsync("/v1/origins", new { origin = "null" }, key + "-refused"),
        };
        answers["refused replay again"] = await admin.PostJsonAsync("/v1/origins", new { origin = "null" }, key + "-refused");
        answers["replay"].Headers.GetValues("Idempotency-Replayed").ShouldBe(["true"]);
        answers["refused replay again"].StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answers["no token"].StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        foreach (var (name, response) in answers)
        {
            response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"], name);
            response.Headers.GetValues("Referrer-Policy").ShouldBe(["no-referrer"], name);
            response.Headers.CacheControl.ShouldNotBeNull(name);
            response.Headers.CacheControl.NoStore.ShouldBeTrue(name);
        }
    }

    [Fact]
    public async Task Answers_outside_v1_are_nosniff_and_no_referrer()
    {
        using var client = host.Client();
        foreach (var path in new[] { "/healthz", "/readyz", "/metrics" })
        {
            var response = await client.GetAsync(path);
            response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"], path);
            response.Headers.GetValues("Referrer-Policy").ShouldBe(["no-referrer"], path);
        }
    }
}
