using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

namespace EdgeAllowlist.Api.Tests.Errors;

/// <summary>
/// Every failure, wherever it is found — a validator, an endpoint, the writer's plan, a domain
/// service, the authorization middleware, the idempotency middleware — is answered through the one
/// translation, so every problem body has the same members and the same meaning.
/// </summary>
public sealed class ProblemsTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    static readonly Dictionary<HttpStatusCode, (string Section, string Title)> Expected = new()
    {
        [HttpStatusCode.BadRequest] = ("15.5.1", "Bad Request"),
        [HttpStatusCode.Unauthorized] = ("15.5.2", "Unauthorized"),
        [HttpStatusCode.Forbidden] = ("15.5.4", "Forbidden"),
        [HttpStatusCode.NotFound] = ("15.5.5", "Not Found"),
        [HttpStatusCode.UnprocessableEntity] = ("15.5.21", "Unprocessable Content"),
    };

    public static TheoryData<string> Sources => ["validator", "writer plan", "endpoint", "domain service", "authorization policy", "authentication", "idempotency"];

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task A_failure_from_any_source_is_the_same_problem_details_shape(string source)
    {
        var (response, status, field) = await FailAsync(source);

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        var problem = JsonNode.Parse(body)!.AsObject();
        problem.Select(p => p.Key).ShouldBe(["type", "title", "status", "instance", "traceId", "detail", "errors"], body);
        problem["status"]!.GetValue<int>().ShouldBe((int)status);
        Uri.UnescapeDataString(problem["instance"]!.GetValue<string>()).ShouldBe(Uri.UnescapeDataString(response.RequestMessage!.RequestUri!.AbsolutePath));
        problem["traceId"]!.GetValue<string>().ShouldBe(response.Headers.GetValues("X-Request-Id").Single());
        problem["title"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        // The section that defines the status, and its reason phrase; never the 400's for another status.
        var (section, title) = Expected[status];
        problem["type"]!.GetValue<string>().ShouldBe("https://www.rfc-editor.org/rfc/rfc9110#section-" + section, body);
        problem["title"]!.GetValue<string>().ShouldBe(title, body);
        problem["detail"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        if (field is null)
            problem["errors"]!.AsArray().ShouldBeEmpty();
        else
            problem.ErrorFields().ShouldBe([field]);
    }

    [Fact]
    public void No_code_outside_the_translation_writes_a_problem_body_by_hand()
    {
        var source = Path.Combine(RepositoryPaths.Root, "src", "EdgeAllowlist.Api");
        var errors = Path.Combine(source, "Infrastructure", "Errors");
        var byHand = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(errors, StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("TypedResults.Problem", StringComparison.Ordinal) || text.Contains("Results.Problem(", StringComparison.Ordinal)
                || text.Contains("application/problem+json\", ct", StringComparison.Ordinal) || text.Contains("WriteAsJsonAsync", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(source, f));

        byHand.ShouldBeEmpty("Throw a ProblemException (or call Problems.WriteAsync from middleware) instead.");
    }

    async Task<(HttpResponseMessage Response, HttpStatusCode Status, string? Field)> FailAsync(string source)
    {
        using var admin = host.Admin();
        switch (source)
        {
            case "validator":
                return (await admin.PostJsonAsync("/v1/origins", new { origin = "null" }), HttpStatusCode.BadRequest, "origin");
            case "writer plan":
                return (await admin.DeleteAsync("/v1/origins/https%3A%2F%2Fnever-added.problems.example"), HttpStatusCode.NotFound, "origin");
            case "endpoint":
                return (await admin.PostJsonAsync("/v1/partners/no-such-partner/secrets", new { distributionDomain = PartnerCalls.Domain }), HttpStatusCode.NotFound, "partner");
            case "domain service":
            {
                await admin.PostJsonAsync("/v1/partners", new { id = "problems-other", scope = "manifests" });
                var token = await host.CreateTokenAsync("problems-rotate", ["secrets:rotate"], ["problems-mine"]);
                using var ci = host.Client(token);
                return (await ci.PostJsonAsync("/v1/partners/problems-other/secrets/rotate", new { distributionDomain = PartnerCalls.Domain }), HttpStatusCode.Forbidden, null);
            }
            case "authorization policy":
            {
                using var reader = host.Client(await host.CreateTokenAsync("problems-reader", ["rules:read"]));
                return (await reader.PostJsonAsync("/v1/origins", new { origin = "https://policy.problems.example" }), HttpStatusCode.Forbidden, null);
            }
            case "authentication":
            {
                using var stranger = host.Client();
                stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "eaat_" + new string('x', 43));
                return (await stranger.GetAsync("/v1/origins"), HttpStatusCode.Unauthorized, null);
            }
            case "idempotency":
            {
                var key = Guid.NewGuid().ToString();
                await admin.PostJsonAsync("/v1/origins", new { origin = "https://one.problems.example" }, key);
                return (await admin.PostJsonAsync("/v1/origins", new { origin = "https://two.problems.example" }, key), HttpStatusCode.UnprocessableEntity, "Idempotency-Key");
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(source), source, null);
        }
    }
}
