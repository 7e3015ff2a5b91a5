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
        ["GET /v1/audit/public-key"] = ("/v1/audit/public-key", null),
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

    /// <summary>
    /// Revoking: a token revokes only tokens it could have minted. Each case is (revoker, what the
    /// target holds) and whether it may; a refusal is an audited 403 naming the excess, and the target keeps working.
    /// </summary>
    [Fact]
    public async Task A_token_revokes_only_tokens_it_could_have_minted()
    {
        using var admin = host.Admin();
        var now = DateTimeOffset.UtcNow;
        async Task<(string Token, string Id)> Mint(string name, string[] scopes, string[]? partners = null, DateTimeOffset? expiresAt = null)
        {
            var response = await admin.PostJsonAsync("/v1/tokens", new { name, scopes, partners, expiresAt });
            var body = await response.JsonAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
            return (body["token"]!.GetValue<string>(), body["metadata"]!["id"]!.GetValue<string>());
        }
        var tokensOnly = await Mint("revoke-tokens-only", ["tokens:admin"]);
        var reader = await Mint("revoke-reader", ["tokens:admin", "rules:read"], expiresAt: now.AddHours(1));
        var rotator = await Mint("revoke-rotator", ["tokens:admin", "secrets:rotate"], ["alpha", "beta"]);
        var fullAdmin = await Mint("revoke-full-admin", ["rules:read", "rules:write", "secrets:rotate", "secrets:admin", "audit:read", "tokens:admin"]);

        (string Revoker, string Case, (string Token, string Id) Target, string? Excess)[] cases =
        [
            // The case: tokens:admin alone locked every administrator out.
            (tokensOnly.Token, "tokens:admin revokes a full admin", fullAdmin, "secrets:admin"),
            (tokensOnly.Token, "tokens:admin revokes a reader", await Mint("r1", ["rules:read"]), "rules:read"),
            (tokensOnly.Token, "tokens:admin revokes tokens:admin", await Mint("r2", ["tokens:admin"]), null),
            (tokensOnly.Token, "no expiry revokes any expiry", await Mint("r3", ["tokens:admin"], expiresAt: now.AddDays(400)), null),
            (reader.Token, "a subset, earlier expiry", await Mint("r4", ["rules:read"], expiresAt: now.AddMinutes(30)), null),
            (reader.Token, "a scope it lacks", await Mint("r5", ["rules:read", "rules:write"], expiresAt: now.AddMinutes(30)), "rules:write"),
            (reader.Token, "a token without expiry", await Mint("r6", ["rules:read"]), "without expiry"),
            (reader.Token, "a later expiry", await Mint("r7", ["rules:read"], expiresAt: now.AddHours(2)), "later than this token's own expiry"),
            (rotator.Token, "a subset of its partners", await Mint("r8", ["secrets:rotate"], ["alpha"]), null),
            (rotator.Token, "a partner it is not limited to", await Mint("r9", ["secrets:rotate"], ["alpha", "gamma"]), "gamma"),
            (rotator.Token, "every partner", await Mint("r10", ["secrets:rotate"]), "every partner"),
            (rotator.Token, "secrets:admin", await Mint("r11", ["secrets:admin"]), "secrets:admin"),
            (rotator.Token, "the full admin", fullAdmin, "secrets:admin"),
            (reader.Token, "itself", reader, null),
        ];
        var failures = new List<string>();
        var refusals = 0;
        foreach (var (revoker, name, target, excess) in cases)
        {
            var response = await host.Client(revoker).DeleteAsync($"/v1/tokens/{target.Id}");
            var body = await response.Content.ReadAsStringAsync();
            var stillWorks = (await host.Client(target.Token).GetAsync("/v1/tokens/current")).StatusCode == HttpStatusCode.OK;
            if (excess is null && (response.StatusCode != HttpStatusCode.OK || stillWorks))
                failures.Add($"{name}: {(int)response.StatusCode} {body}, expected 200 and the token revoked (still works: {stillWorks})");
            if (excess is not null)
            {
                refusals++;
                if (response.StatusCode != HttpStatusCode.Forbidden || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    failures.Add($"{name}: {(int)response.StatusCode} {body}, expected a 403 problem");
                else if (!(JsonNode.Parse(body)!["detail"]?.GetValue<string>() ?? "").Contains(excess))
                    failures.Add($"{name}: the 403 does not name '{excess}': {body}");
                if (!stillWorks)
                    failures.Add($"{name}: refused, yet the target token no longer works");
            }
        }
        failures.ShouldBeEmpty();
        (await admin.DeleteAsync("/v1/tokens/tok_unknown")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var denials = new List<JsonNode>();
        foreach (var actor in (string[])["revoke-tokens-only", "revoke-reader", "revoke-rotator"])
            denials.AddRange((await admin.GetJsonAsync($"/v1/audit?action=auth.denied&outcome=forbidden&actor={actor}"))["items"]!.AsArray().Select(e => e!));
        denials.Count.ShouldBe(refusals);
        denials.ShouldAllBe(e => e["target"]!.GetValue<string>().StartsWith("DELETE /v1/tokens/tok_"));
        denials.ShouldContain(e => e["detail"]!.GetValue<string>().Contains(fullAdmin.Id));
    }

    /// <summary>
    /// Undoing a rotation: only the token that rotated, or one holding its every scope and partner,
    /// and only while the rotated-out secrets are in grace. A refusal changes nothing in the store.
    /// </summary>
    [Fact]
    public async Task A_rotation_is_undone_only_by_its_token_or_one_covering_it_and_only_within_the_grace()
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        (await admin.PostJsonAsync("/v1/partners", new { id = "undo-lattice", scope = "all" })).EnsureSuccessStatusCode();
        async Task<string> Mint(string name, string[] scopes, string[]? partners = null)
        {
            var response = await admin.PostJsonAsync("/v1/tokens", new { name, scopes, partners });
            response.StatusCode.ShouldBe(HttpStatusCode.Created);
            return (await response.JsonAsync())["token"]!.GetValue<string>();
        }
        async Task<string> Rotate(string token, int graceSeconds = 3600)
        {
            // Forced: a rotation ends the live secret, which flips the partner's built-in expectation (pass -> deny); the refusal is WriteCheckTests'.
            var response = await host.Client(token).PostJsonAsync("/v1/partners/undo-lattice/secrets/rotate?force=true",
                new { graceSeconds, distributionDomain = "d111111abcdef8.cloudfront.net" }, Guid.NewGuid().ToString());
            var body = await response.JsonAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
            return body["id"]!.GetValue<string>();
        }
        var onePartner = await Mint("undo-one-partner", ["secrets:rotate"], ["undo-lattice"]);
        var twoPartners = await Mint("undo-two-partners", ["secrets:rotate", "rules:read"], ["undo-lattice", "other"]);
        var anyPartner = await Mint("undo-any-partner", ["secrets:rotate"]);
        var secretsAdmin = await Mint("undo-secrets-admin", ["secrets:admin"]);
        var fullAdmin = host.AdminToken;

        (string Case, string Rotator, string Undoer, string? Excess)[] cases =
        [
            // The case: a one-partner rotate token took back an administrator's rotation.
            ("a one-partner token undoes the admin's rotation", fullAdmin, onePartner, "secrets:admin"),
            ("an any-partner rotate token undoes the admin's rotation", fullAdmin, anyPartner, "tokens:admin"),
            ("a one-partner token undoes an any-partner token's rotation", anyPartner, onePartner, "every partner"),
            ("a one-partner token undoes a token holding rules:read too", twoPartners, onePartner, "rules:read"),
            ("secrets:admin undoes a secrets:rotate token's rotation", onePartner, secretsAdmin, "secrets:rotate"),
            ("the token that rotated", onePartner, onePartner, null),
            ("the token that rotated, holding more", twoPartners, twoPartners, null),
            ("an any-partner token undoes a one-partner token's rotation", onePartner, anyPartner, null),
            ("a token holding every scope and more partners", onePartner, twoPartners, null),
            ("the full admin undoes anyone's", anyPartner, fullAdmin, null),
            ("the full admin undoes its own", fullAdmin, fullAdmin, null),
        ];
        var failures = new List<string>();
        foreach (var (name, rotator, undoer, excess) in cases)
        {
            var issued = await Rotate(rotator);
            var etag = (await store.DescribeAsync()).ETag;
            var response = await host.Client(undoer).PostJsonAsync($"/v1/partners/undo-lattice/secrets/{issued}/undo-rotation", new { });
            var body = await response.Content.ReadAsStringAsync();
            if (excess is null && response.StatusCode != HttpStatusCode.OK)
                failures.Add($"{name}: {(int)response.StatusCode} {body}, expected 200");
            if (excess is not null)
            {
                if (response.StatusCode != HttpStatusCode.Forbidden)
                    failures.Add($"{name}: {(int)response.StatusCode} {body}, expected 403");
                else if (!(JsonNode.Parse(body)!["detail"]?.GetValue<string>() ?? "").Contains(excess))
                    failures.Add($"{name}: the 403 does not name '{excess}': {body}");
                if ((await store.DescribeAsync()).ETag != etag)
                    failures.Add($"{name}: refused, yet the store changed");
            }
        }
        failures.ShouldBeEmpty();

        // Out of grace: the rotated-out secrets have run out, and an undo would give them back an unlimited life.
        var late = await Rotate(onePartner, graceSeconds: 60);
        host.Clock.Advance(TimeSpan.FromMinutes(2));
        var problem = await (await host.Client(onePartner).PostJsonAsync($"/v1/partners/undo-lattice/secrets/{late}/undo-rotation", new { }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem.ToJsonString().ShouldContain("grace period ended");
        // Not the store's ETag: the sweep deletes the expired secrets meanwhile. The undo would have deleted this one.
        (await admin.GetJsonAsync("/v1/partners/undo-lattice/secrets"))["items"]!.AsArray().ShouldContain(s => s!["id"]!.GetValue<string>() == late);
        var ended = await Rotate(fullAdmin, graceSeconds: 0);
        await (await host.Client(fullAdmin).PostJsonAsync($"/v1/partners/undo-lattice/secrets/{ended}/undo-rotation", new { }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
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

