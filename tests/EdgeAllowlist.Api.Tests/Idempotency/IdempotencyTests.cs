using System.Net;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;

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

        var database = host.Service<IDatabase>();
        await using var connection = await database.OpenAsync();
        var bodies = await connection.QueryAsync( "SELECT answer FROM idempotent_requests WHERE answer IS NOT NULL", r => r.GetString(0));
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

    [Fact]
    public async Task A_refused_request_replays_as_the_same_problem_not_as_a_success()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("idem-forbidden");
        var token = await host.CreateTokenAsync("idem-rotate-other", ["secrets:rotate"], ["idem-someone-else"]);
        using var ci = host.Client(token);
        var key = Guid.NewGuid().ToString();
        var body = new { distributionDomain = PartnerCalls.Domain };

        var first = await ci.PostJsonAsync("/v1/partners/idem-forbidden/secrets/rotate", body, key);
        var firstProblem = await first.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var retry = await ci.PostJsonAsync("/v1/partners/idem-forbidden/secrets/rotate", body, key);

        var problem = await retry.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        retry.Headers.GetValues("Idempotency-Replayed").ShouldBe(["true"]);
        problem.ToJsonString().ShouldBe(firstProblem.ToJsonString());
        problem.Text("detail").ShouldContain("idem-forbidden");
    }

    [Theory]
    [InlineData("bearer {0}")]
    [InlineData("Bearer  {0}")]
    [InlineData("BEARER {0} ")]
    public async Task The_schemes_case_and_extra_spaces_do_not_change_what_a_retry_replays(string spelling)
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        var origin = $"https://spelling-{Guid.NewGuid():N}.idem.example";
        var first = await admin.PostJsonAsync("/v1/origins", new { origin }, key);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        using var plain = host.Client();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/origins") { Content = System.Net.Http.Json.JsonContent.Create(new { origin }, options: HttpHelpers.Json) };
        request.Headers.TryAddWithoutValidation("Authorization", string.Format(System.Globalization.CultureInfo.InvariantCulture, spelling, host.AdminToken)).ShouldBeTrue();
        request.Headers.Add("Idempotency-Key", key);

        var retry = await plain.SendAsync(request);

        retry.StatusCode.ShouldBe(HttpStatusCode.Created, await retry.Content.ReadAsStringAsync());
        retry.Headers.GetValues("Idempotency-Replayed").ShouldBe(["true"]);
        (await retry.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_replay_carries_the_original_headers_but_not_the_per_request_ones()
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        var first = await admin.PostJsonAsync("/v1/origins", new { origin = "https://headers.idem.example" }, key);
        var retry = await admin.PostJsonAsync("/v1/origins", new { origin = "https://headers.idem.example" }, key);

        string[] perRequest = ["Date", "X-Request-Id", "Idempotency-Replayed", "Content-Length", "Transfer-Encoding"];
        Dictionary<string, string> Kept(HttpResponseMessage r) => r.Headers.Concat(r.Content.Headers)
            .Where(h => !perRequest.Contains(h.Key, StringComparer.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => string.Join(',', h.Value), StringComparer.OrdinalIgnoreCase);
        Kept(retry).ShouldBe(Kept(first));
        retry.Content.Headers.ContentType!.ToString().ShouldBe(first.Content.Headers.ContentType!.ToString());
        retry.Headers.GetValues("X-Request-Id").ShouldNotBe(first.Headers.GetValues("X-Request-Id"));
    }

    [Fact]
    public async Task A_request_in_progress_blocks_a_retry_only_while_its_lease_is_renewed()
    {
        using var admin = host.Admin();
        var key = Guid.NewGuid().ToString();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://lease.idem.example" }, key)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var lease = host.Service<Microsoft.Extensions.Options.IOptions<Infrastructure.Idempotency.IdempotencyOptions>>().Value.InProgressLease;
        // The record as a live attempt holds it: no answer yet, the lease renewed just now.
        await SetUnfinishedAsync(key, host.Clock.GetUtcNow() + lease);

        var blocked = await admin.PostJsonAsync("/v1/origins", new { origin = "https://lease.idem.example" }, key);

        (await blocked.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Text("detail").ShouldContain("in progress");
        var retryAfter = int.Parse(blocked.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        retryAfter.ShouldBeInRange(1, (int)Math.Ceiling(lease.TotalSeconds));

        // The attempt died: nobody renews, the lease ends, and the retry runs instead of waiting longer.
        await SetUnfinishedAsync(key, host.Clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        var takenOver = await admin.PostJsonAsync("/v1/origins", new { origin = "https://lease.idem.example" }, key);

        takenOver.IsSuccessStatusCode.ShouldBeTrue(await takenOver.Content.ReadAsStringAsync());
        takenOver.Headers.Contains("Idempotency-Replayed").ShouldBeFalse();
        var replay = await admin.PostJsonAsync("/v1/origins", new { origin = "https://lease.idem.example" }, key);
        replay.Headers.GetValues("Idempotency-Replayed").ShouldBe(["true"]);
    }

    async Task SetUnfinishedAsync(string key, DateTimeOffset leaseUntil)
    {
        await using var connection = await host.Service<IDatabase>().OpenAsync();
        (await connection.ExecuteAsync("UPDATE idempotent_requests SET status = NULL, answer = NULL, holder = 'another-attempt', lease_until = @l WHERE idem_key = @k",
            null, default, ("l", leaseUntil.ToUnixTimeMilliseconds()), ("k", key))).ShouldBe(1);
    }
}

public sealed class SqliteIdempotencyTests(ApiHost host) : IdempotencyTests(host), IClassFixture<ApiHost>;

public sealed class PostgresIdempotencyTests(PostgresApiHost host) : IdempotencyTests(host), IClassFixture<PostgresApiHost>;
