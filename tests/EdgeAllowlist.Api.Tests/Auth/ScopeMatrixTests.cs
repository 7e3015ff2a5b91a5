using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
        ["POST /v1/tokens"] = ("/v1/tokens", new { name = "matrix-made", scopes = new[] { "tokens:admin" } }), // a token grants only what it holds
        ["DELETE /v1/tokens/{id}"] = ("/v1/tokens/tok_unknown", null),
        ["GET /v1/partners"] = ("/v1/partners", null),
        ["GET /v1/partners/{partner}"] = ("/v1/partners/matrix", null),
        ["POST /v1/partners"] = ("/v1/partners", new { id = "matrix", scope = "manifests" }),
        ["GET /v1/partners/{partner}/secrets"] = ("/v1/partners/matrix/secrets", null),
        ["POST /v1/partners/{partner}/secrets"] = ("/v1/partners/matrix/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" }),
        ["POST /v1/partners/{partner}/secrets/rotate"] = ("/v1/partners/matrix/secrets/rotate", new { distributionDomain = "d111111abcdef8.cloudfront.net" }),
        ["DELETE /v1/partners/{partner}/secrets/{id}"] = ("/v1/partners/matrix/secrets/sec_unknown", null),
        ["POST /v1/partners/{partner}/secrets/{id}/undo-rotation"] = ("/v1/partners/matrix/secrets/sec_unknown/undo-rotation", new { }),
        ["GET /v1/user-agents"] = ("/v1/user-agents", null),
        ["POST /v1/user-agents"] = ("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "matrix" }),
        ["DELETE /v1/user-agents/{list}/{id}"] = ("/v1/user-agents/allow/0123456789ab", null),
        ["POST /v1/simulate"] = ("/v1/simulate", new { uri = "/index.m3u8" }),
        ["GET /v1/expectations"] = ("/v1/expectations", null),
        ["POST /v1/expectations"] = ("/v1/expectations", new { name = "matrix", request = new { uri = "/index.m3u8" }, expect = "deny" }),
        ["DELETE /v1/expectations/{name}"] = ("/v1/expectations/matrix-unknown", null),
        ["POST /v1/expectations/mutes"] = ("/v1/expectations/mutes", new { name = "builtin:forged-mediatailor", muted = false }),
        ["GET /v1/desired-state"] = ("/v1/desired-state", null),
        ["POST /v1/desired-state/plan"] = ("/v1/desired-state/plan", new { version = 1 }),
        ["POST /v1/desired-state/apply"] = ("/v1/desired-state/apply", new { version = 1 }),
        ["POST /v1/desired-state/rollback"] = ("/v1/desired-state/rollback", new { toSeq = 1 }),
        ["POST /v1/rollout/analyze"] = ("/v1/rollout/analyze", new { events = Array.Empty<object>() }),
        // JSON where multipart belongs: past the scope check, a 415 (RolloutTests covers the real body).
        ["POST /v1/rollout/replay"] = ("/v1/rollout/replay", new { events = Array.Empty<object>() }),
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

    /// <summary>Minting: each case is (what the minter holds, what it asks for) and whether it may; refusals are 403s naming the excess, audited.</summary>
    [Fact]
    public async Task A_token_mints_only_tokens_within_its_own_scopes_expiry_and_partners()
    {
        using var admin = host.Admin();
        var now = DateTimeOffset.UtcNow;
        async Task<string> Minter(string name, string[] scopes, string[]? partners = null, DateTimeOffset? expiresAt = null)
        {
            var response = await admin.PostJsonAsync("/v1/tokens", new { name, scopes, partners, expiresAt });
            var body = await response.JsonAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
            return body["token"]!.GetValue<string>();
        }
        var tokensOnly = await Minter("mint-tokens-only", ["tokens:admin"]);
        var reader = await Minter("mint-reader", ["tokens:admin", "rules:read"], expiresAt: now.AddHours(1));
        var rotator = await Minter("mint-rotator", ["tokens:admin", "secrets:rotate"], ["alpha", "beta"]);

        (string Minter, string Case, object Request, string? Excess)[] cases =
        [
            // The case: tokens:admin alone was root.
            (tokensOnly, "tokens:admin grants every scope", new { name = "m1", scopes = new[] { "secrets:admin", "rules:write", "audit:read", "tokens:admin" } }, "secrets:admin"),
            (tokensOnly, "tokens:admin grants rules:read", new { name = "m2", scopes = new[] { "rules:read" } }, "rules:read"),
            (tokensOnly, "tokens:admin grants tokens:admin", new { name = "m3", scopes = new[] { "tokens:admin" } }, null),
            (tokensOnly, "no expiry grants any expiry", new { name = "m4", scopes = new[] { "tokens:admin" }, expiresAt = now.AddDays(400) }, null),
            (reader, "a subset, earlier expiry", new { name = "m5", scopes = new[] { "rules:read" }, expiresAt = now.AddMinutes(30) }, null),
            (reader, "the same expiry", new { name = "m6", scopes = new[] { "rules:read", "tokens:admin" }, expiresAt = now.AddHours(1) }, null),
            (reader, "a scope it lacks", new { name = "m7", scopes = new[] { "rules:read", "rules:write" }, expiresAt = now.AddMinutes(30) }, "rules:write"),
            (reader, "no expiry from an expiring token", new { name = "m8", scopes = new[] { "rules:read" } }, "without expiry"),
            (reader, "a later expiry", new { name = "m9", scopes = new[] { "rules:read" }, expiresAt = now.AddHours(2) }, "later than this token's own expiry"),
            (rotator, "a subset of its partners", new { name = "m10", scopes = new[] { "secrets:rotate" }, partners = new[] { "alpha" } }, null),
            (rotator, "all its partners", new { name = "m11", scopes = new[] { "secrets:rotate" }, partners = new[] { "beta", "alpha" } }, null),
            (rotator, "a partner it is not limited to", new { name = "m12", scopes = new[] { "secrets:rotate" }, partners = new[] { "alpha", "gamma" } }, "gamma"),
            (rotator, "every partner", new { name = "m13", scopes = new[] { "secrets:rotate" } }, "every partner"),
            (rotator, "no partner scope at all", new { name = "m14", scopes = new[] { "tokens:admin" } }, null),
            (rotator, "secrets:admin", new { name = "m15", scopes = new[] { "secrets:admin" } }, "secrets:admin"),
        ];
        var failures = new List<string>();
        var refusals = 0;
        foreach (var (minter, name, request, excess) in cases)
        {
            var response = await host.Client(minter).PostJsonAsync("/v1/tokens", request);
            var body = await response.Content.ReadAsStringAsync();
            if (excess is null && response.StatusCode != HttpStatusCode.Created)
                failures.Add($"{name}: {(int)response.StatusCode} {body}, expected 201");
            if (excess is not null)
            {
                refusals++;
                if (response.StatusCode != HttpStatusCode.Forbidden || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    failures.Add($"{name}: {(int)response.StatusCode} {body}, expected a 403 problem");
                else if (!(JsonNode.Parse(body)!["detail"]?.GetValue<string>() ?? "").Contains(excess))
                    failures.Add($"{name}: the 403 does not name '{excess}': {body}");
            }
        }
        failures.ShouldBeEmpty();

        // What was minted holds what was asked, and no more; every refusal is in the trail with its reason.
        var minted = (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "m10")!;
        minted["partners"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe(["alpha"]);
        var denials = new List<JsonNode>();
        foreach (var actor in (string[])["mint-tokens-only", "mint-reader", "mint-rotator"])
            denials.AddRange((await admin.GetJsonAsync($"/v1/audit?action=auth.denied&outcome=forbidden&actor={actor}"))["items"]!.AsArray().Select(e => e!));
        denials.Count.ShouldBe(refusals);
        denials.ShouldAllBe(e => e["target"]!.GetValue<string>() == "POST /v1/tokens");
        denials.ShouldContain(e => e["detail"]!.GetValue<string>().Contains("gamma"));
    }

    /// <summary>Besides health, only a token's view of itself: any valid token may read its own grants (401 without one: <c>UndoRotationTests</c>).</summary>
    [Fact]
    public async Task Only_the_health_endpoints_and_a_tokens_look_at_itself_need_no_scope_and_that_one_needs_a_token()
    {
        var all = host.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<FastEndpoints.EndpointDefinition>() is not null)
            .Select(e => (Route: Route(e), Permissions: e.Metadata.GetMetadata<FastEndpoints.EndpointDefinition>()!.AllowedPermissions?.Count() ?? 0))
            .ToList();
        all.Where(e => e.Permissions == 0).Select(e => e.Route).Order().ShouldBe(["GET /healthz", "GET /readyz", "GET /v1/tokens/current"]);
        using var anonymous = host.Client();
        (await anonymous.GetAsync("/v1/tokens/current")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        using var admin = host.Admin();
        var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = "self-check", scopes = new[] { "rules:read" } })).JsonAsync();
        using var reader = host.Client(created["token"]!.GetValue<string>());
        var self = await reader.GetJsonAsync("/v1/tokens/current");
        self["name"]!.GetValue<string>().ShouldBe("self-check");
        self["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["rules:read"]);
        self.AsObject().ContainsKey("token").ShouldBeFalse();
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

