using System.Net;
using System.Net.Http.Json;
using EdgeAllowlist.Api.Tests.Fixtures;
using Microsoft.AspNetCore.Routing;

namespace EdgeAllowlist.Api.Tests.Auth;

/// <summary>Every endpoint × every scope: the right scope gets through, any other gets 403, none gets 401.</summary>
/// <summary>The matrix sends one unauthenticated call per endpoint, more than the default failure limit allows.</summary>
public sealed class LenientLimitApiHost() : ApiHost(null, new Dictionary<string, string?> { ["Auth:MaxFailures"] = "1000" });

public sealed class ScopeMatrixTests(LenientLimitApiHost host) : IClassFixture<LenientLimitApiHost>
{
    static readonly string[] AllScopes = ["rules:read", "rules:write", "secrets:rotate", "secrets:admin", "audit:read", "tokens:admin"];

    /// <summary>A request that is valid for each route, so an allowed call shows as success, not as 400.</summary>
    static readonly Dictionary<string, (string Path, object? Body)> Samples = new()
    {
        ["GET /v1/origins"] = ("/v1/origins", null),
        ["GET /v1/origins/{**origin}"] = ("/v1/origins/https://matrix.example.com", null),
        ["POST /v1/origins"] = ("/v1/origins", new { origin = "https://matrix.example.com" }),
        ["POST /v1/origins/bulk"] = ("/v1/origins/bulk", new { origins = new[] { new { origin = "https://matrix.example.com" } } }),
        ["PATCH /v1/origins/{**origin}"] = ("/v1/origins/https://matrix.example.com", new { note = "matrix" }),
        ["DELETE /v1/origins/{**origin}"] = ("/v1/origins/https://matrix-delete.example.com", null),
        ["GET /v1/settings"] = ("/v1/settings", null),
        ["PATCH /v1/settings"] = ("/v1/settings", new { mode = "enforce" }),
        ["GET /v1/status"] = ("/v1/status", null),
        ["GET /v1/audit"] = ("/v1/audit?limit=1", null),
        ["GET /v1/audit/verify"] = ("/v1/audit/verify", null),
        ["GET /v1/audit/export"] = ("/v1/audit/export?action=none", null),
        ["GET /v1/tokens"] = ("/v1/tokens", null),
        ["POST /v1/tokens"] = ("/v1/tokens", new { name = "matrix-made", scopes = new[] { "rules:read" } }),
        ["DELETE /v1/tokens/{id}"] = ("/v1/tokens/tok_unknown", null),
        ["GET /v1/partners"] = ("/v1/partners", null),
        ["GET /v1/partners/{partner}"] = ("/v1/partners/matrix", null),
        ["POST /v1/partners"] = ("/v1/partners", new { id = "matrix", scope = "manifests" }),
        ["GET /v1/partners/{partner}/secrets"] = ("/v1/partners/matrix/secrets", null),
        ["POST /v1/partners/{partner}/secrets"] = ("/v1/partners/matrix/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" }),
        ["POST /v1/partners/{partner}/secrets/rotate"] = ("/v1/partners/matrix/secrets/rotate", new { distributionDomain = "d111111abcdef8.cloudfront.net" }),
        ["DELETE /v1/partners/{partner}/secrets/{id}"] = ("/v1/partners/matrix/secrets/sec_unknown", null),
        ["GET /v1/user-agents"] = ("/v1/user-agents", null),
        ["POST /v1/user-agents"] = ("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "matrix" }),
        ["DELETE /v1/user-agents/{list}/{id}"] = ("/v1/user-agents/allow/0123456789ab", null),
        ["POST /v1/simulate"] = ("/v1/simulate", new { uri = "/index.m3u8" }),
    };

    [Fact]
    public async Task Every_endpoint_needs_exactly_its_scope()
    {
        using var admin = host.Admin();
        var tokens = new Dictionary<string, string>();
        foreach (var scope in AllScopes)
        {
            var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = $"only-{scope.Replace(':', '-')}", scopes = new[] { scope } })).JsonAsync();
            tokens[scope] = created["token"]!.GetValue<string>();
        }
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://matrix.example.com" })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/partners", new { id = "matrix", scope = "all" })).EnsureSuccessStatusCode();

        var endpoints = Endpoints();
        endpoints.Keys.Order().ShouldBe(Samples.Keys.Order(), "every endpoint needs a sample in the matrix");
        var failures = new List<string>();
        foreach (var (route, required) in endpoints)
        {
            var (path, body) = Samples[route];
            var method = new HttpMethod(route.Split(' ')[0]);
            if ((await Send(host.Client(), method, path, body)).StatusCode != HttpStatusCode.Unauthorized)
                failures.Add($"{route} without a token is not 401");
            foreach (var scope in AllScopes)
            {
                var status = (await Send(host.Client(tokens[scope]), method, path, body)).StatusCode;
                var allowed = required.Contains(scope);
                if (allowed && status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or >= HttpStatusCode.InternalServerError)
                    failures.Add($"{route} with {scope}: {(int)status}, expected to get through");
                if (!allowed && status != HttpStatusCode.Forbidden)
                    failures.Add($"{route} with {scope}: {(int)status}, expected 403");
            }
        }
        failures.ShouldBeEmpty();
    }

    [Fact]
    public void Only_the_health_endpoints_need_no_scope()
    {
        var all = host.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<FastEndpoints.EndpointDefinition>() is not null)
            .Select(e => (Route: Route(e), Permissions: e.Metadata.GetMetadata<FastEndpoints.EndpointDefinition>()!.AllowedPermissions?.Count() ?? 0))
            .ToList();
        all.Where(e => e.Permissions == 0).Select(e => e.Route).Order().ShouldBe(["GET /healthz", "GET /readyz"]);
    }

    Dictionary<string, string[]> Endpoints() =>
        host.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Definition: e.Metadata.GetMetadata<FastEndpoints.EndpointDefinition>()))
            .Where(e => e.Definition?.AllowedPermissions?.Any() == true)
            .ToDictionary(e => Route(e.Endpoint), e => e.Definition!.AllowedPermissions!.ToArray());

    static string Route(RouteEndpoint endpoint) =>
        $"{endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single()} /{endpoint.RoutePattern.RawText!.TrimStart('/')}";

    static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = JsonContent.Create(body, options: HttpHelpers.Json);
        return client.SendAsync(request);
    }
}

