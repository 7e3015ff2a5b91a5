using System.Net;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Tokens;

/// <summary>Token life cycle and authentication; run on SQLite and on PostgreSQL.</summary>
public abstract class TokenTests(ApiHost host)
{
    async Task<(string Token, string Id)> CreateAsync(string name, params string[] scopes)
    {
        using var admin = host.Admin();
        var response = await admin.PostJsonAsync("/v1/tokens", new { name, scopes });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        return (body["token"]!.GetValue<string>(), body["metadata"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_created_token_works_for_its_scope_and_is_listed_without_its_value()
    {
        var (token, id) = await CreateAsync("auditor-1", "audit:read");
        token.ShouldStartWith("eaat_");
        using var auditor = host.Client(token);
        (await auditor.GetAsync("/v1/audit/verify")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var admin = host.Admin();
        var listed = await admin.GetStringAsync("/v1/tokens");
        listed.ShouldContain(id);
        var metadata = System.Text.Json.Nodes.JsonNode.Parse(listed)!["items"]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == id)!;
        metadata["lastUsedAt"].ShouldNotBeNull();
        metadata["createdBy"]!.GetValue<string>().ShouldBe("bootstrap-admin");
        listed.ShouldNotContain(token);
        listed.ShouldNotContain(token["eaat_".Length..]);
    }

    [Fact]
    public async Task A_token_without_the_scope_gets_403_and_the_attempt_is_audited()
    {
        var (token, _) = await CreateAsync("reader-no-tokens", "rules:read");
        using var reader = host.Client(token);
        var problem = await (await reader.GetAsync("/v1/tokens")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        problem["detail"]!.GetValue<string>().ShouldContain("tokens:admin");

        using var admin = host.Admin();
        var audit = await admin.GetJsonAsync("/v1/audit?actor=reader-no-tokens&outcome=forbidden");
        var entry = audit["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["action"]!.GetValue<string>().ShouldBe("auth.denied");
        entry["target"]!.GetValue<string>().ShouldBe("GET /v1/tokens");
        entry["client"]!.GetValue<string>().ShouldBe("127.0.0.1");
    }

    [Fact]
    public async Task A_revoked_token_gets_401_saying_so_and_the_revocation_is_audited()
    {
        var (token, id) = await CreateAsync("soon-revoked", "audit:read");
        using var admin = host.Admin();
        (await admin.DeleteAsync($"/v1/tokens/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var revoked = host.Client(token);
        var problem = await (await revoked.GetAsync("/v1/audit/verify")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        problem["detail"]!.GetValue<string>().ShouldBe(BearerTokenHandler.RevokedToken);
        var revocation = await admin.GetJsonAsync($"/v1/audit?action=token.revoke&target={id}");
        revocation["items"]!.AsArray().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Missing_unknown_revoked_and_expired_tokens_each_get_a_401_that_says_which()
    {
        using var admin = host.Admin();
        var expiring = await (await admin.PostJsonAsync("/v1/tokens", new { name = "expiring", scopes = new[] { "audit:read" }, expiresAt = host.Clock.GetUtcNow().AddMinutes(5) })).JsonAsync();
        var expiringToken = expiring["token"]!.GetValue<string>();
        (await host.Client(expiringToken).GetAsync("/v1/audit/verify")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (revokedToken, revokedId) = await CreateAsync("revoked-for-message", "audit:read");
        (await admin.DeleteAsync($"/v1/tokens/{revokedId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Clock.Advance(TimeSpan.FromMinutes(6));

        async Task<string> Detail(string? token)
        {
            using var client = host.Client(token);
            var response = await client.GetAsync("/v1/audit/verify");
            response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
            return (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized))["detail"]!.GetValue<string>();
        }
        var details = new[]
        {
            await Detail(null),
            await Detail(ApiTokenStore.NewToken()),
            await Detail(revokedToken),
            await Detail(expiringToken),
        };
        details.ShouldBe([BearerTokenHandler.MissingToken, BearerTokenHandler.UnknownToken, BearerTokenHandler.RevokedToken, BearerTokenHandler.ExpiredToken]);
        details[0].ShouldBe("No bearer token was sent.");
        details.Distinct().Count().ShouldBe(4);
        // The admin token, which has no expiry, is untouched by the clock.
        (await admin.GetAsync("/v1/audit/verify")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Requests_without_a_token_or_with_a_wrong_one_get_401()
    {
        await (await host.Client().GetAsync("/v1/tokens")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await host.Client("eaat_" + new string('A', 43)).GetAsync("/v1/tokens")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var basic = host.Client();
        basic.DefaultRequestHeaders.Authorization = new("Basic", "dXNlcjpwYXNz");
        await (await basic.GetAsync("/v1/tokens")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        using var admin = host.Admin();
        var past = await admin.PostJsonAsync("/v1/tokens", new { name = "expired", scopes = new[] { "audit:read" }, expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        (await past.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldContain("expiresAt");
    }

    [Theory]
    [InlineData("""{"name":"","scopes":["rules:read"]}""", "name")]
    [InlineData("""{"name":"ok","scopes":[]}""", "scopes")]
    [InlineData("""{"name":"ok","scopes":["root"]}""", "scopes[0]")]
    [InlineData("""{"name":"ok","scopes":["rules:read"],"partners":["mediatailor"]}""", "partners")]
    [InlineData("""{"name":"bad name!","scopes":["rules:read"]}""", "name")]
    public async Task Token_creation_rejects_bad_input_naming_the_field(string body, string field)
    {
        using var admin = host.Admin();
        var problem = await (await admin.SendRawAsync(HttpMethod.Post, "/v1/tokens", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain(field);
    }

    [Fact]
    public async Task Secrets_rotate_can_be_limited_to_partners()
    {
        using var admin = host.Admin();
        var response = await admin.PostJsonAsync("/v1/tokens", new { name = "ci-rotator", scopes = new[] { "secrets:rotate" }, partners = new[] { "mediatailor" } });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        body["metadata"]!["partners"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe(["mediatailor"]);
    }
}

public sealed class SqliteTokenTests(ApiHost host) : TokenTests(host), IClassFixture<ApiHost>;

public sealed class PostgresTokenTests(PostgresApiHost host) : TokenTests(host), IClassFixture<PostgresApiHost>;
