using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Idempotency;

/// <summary>Idempotency-Key on POST; run on SQLite and on PostgreSQL.</summary>
public abstract class IdempotencyTests(ApiHost host)
{
    [Fact]
    public async Task A_retry_with_the_same_key_and_body_gets_the_same_response_without_a_second_change()
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        var first = await admin.PostJsonAsync("/v1/tokens", new { name = "ci-retry", scopes = new[] { "rules:read" } }, key);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var firstBody = await first.Content.ReadAsStringAsync();
        var retry = await admin.PostJsonAsync("/v1/tokens", new { name = "ci-retry", scopes = new[] { "rules:read" } }, key);
        retry.StatusCode.ShouldBe(HttpStatusCode.Created);
        retry.Headers.GetValues("Idempotency-Replayed").ShouldBe(["true"]);
        (await retry.Content.ReadAsStringAsync()).ShouldBe(firstBody);
        var tokens = await admin.GetJsonAsync("/v1/tokens");
        tokens["items"]!.AsArray().Count(t => t!["name"]!.GetValue<string>() == "ci-retry").ShouldBe(1);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_refused()
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://one.idem.example" }, key)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var problem = await (await admin.PostJsonAsync("/v1/origins", new { origin = "https://two.idem.example" }, key)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.ErrorFields().ShouldContain("Idempotency-Key");
        (await host.Service<IKeyValueStore>().GetAsync("o:https://two.idem.example")).ShouldBeNull();
    }

    [Fact]
    public async Task Keys_belong_to_one_token_and_a_kept_response_is_stored_encrypted()
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = "ci-other", scopes = new[] { "tokens:admin" } }, key)).JsonAsync();
        var otherToken = created["token"]!.GetValue<string>();
        using var other = host.Client(otherToken);
        // The same key from another token is a new request, not a replay of the first token's response.
        var second = await other.PostJsonAsync("/v1/tokens", new { name = "ci-other", scopes = new[] { "tokens:admin" } }, key);
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.Headers.Contains("Idempotency-Replayed").ShouldBeFalse();

        var database = host.Service<Infrastructure.Database.IDatabase>();
        await using var connection = await database.OpenAsync();
        var bodies = await Infrastructure.Database.DbExtensions.QueryAsync(connection, "SELECT body FROM idempotency_records WHERE body IS NOT NULL", r => r.GetString(0));
        bodies.ShouldNotBeEmpty();
        bodies.ShouldAllBe(b => !b.Contains("eaat_") && !b.Contains("ci-other"));
    }

    [Fact]
    public async Task After_a_day_a_key_is_forgotten_and_a_retry_runs_as_a_new_request()
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        (await admin.PostJsonAsync("/v1/tokens", new { name = "ci-day-old", scopes = new[] { "rules:read" } }, key)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var cleanup = host.Service<Infrastructure.Idempotency.IdempotencyCleanup>();
        (await cleanup.DeleteExpiredAsync(DateTimeOffset.UtcNow, default)).ShouldBe(0);
        (await cleanup.DeleteExpiredAsync(DateTimeOffset.UtcNow.AddHours(25), default)).ShouldBeGreaterThan(0);
        var again = await admin.PostJsonAsync("/v1/tokens", new { name = "ci-day-old", scopes = new[] { "rules:read" } }, key);
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.Headers.Contains("Idempotency-Replayed").ShouldBeFalse();
    }

    [Fact]
    public async Task A_refused_request_is_kept_too_but_a_malformed_key_is_refused()
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "null" }, key)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var again = await admin.PostJsonAsync("/v1/origins", new { origin = "null" }, key);
        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        again.Headers.Contains("Idempotency-Replayed").ShouldBeTrue();
        (await (await admin.PostJsonAsync("/v1/origins", new { origin = "https://k.example" }, new string('k', 300))).ShouldBeProblemAsync(HttpStatusCode.BadRequest))
            .ErrorFields().ShouldContain("Idempotency-Key");
    }
}

public sealed class SqliteIdempotencyTests(ApiHost host) : IdempotencyTests(host), IClassFixture<ApiHost>;

public sealed class PostgresIdempotencyTests(PostgresApiHost host) : IdempotencyTests(host), IClassFixture<PostgresApiHost>;
