using System.Net;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Infrastructure.Idempotency;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Secrets;

/// <summary>
/// A secret is random and issued once: an Idempotency-Key replays it inside its window, never brings
/// back one that was revoked, and after the window issues a fresh one. Nothing in the request (token,
/// key, partner) determines a secret.
/// </summary>
public sealed class FreshSecretTests(ApiHost host) : IClassFixture<ApiHost>
{
    static readonly object Body = new { distributionDomain = PartnerCalls.Domain };

    IKeyValueStore Store => host.Service<IKeyValueStore>();

    async Task<int> StoredSecretsOfAsync(string partner) =>
        (await Store.ListAllAsync()).Count(i => i.Key.StartsWith("x:", StringComparison.Ordinal) && i.Value.Contains($"\"p\":\"{partner}\"", StringComparison.Ordinal));

    [Theory]
    [InlineData("secrets")]
    [InlineData("secrets/rotate")]
    public async Task A_revoked_secret_is_not_reissued_by_its_Idempotency_Key_the_key_answers_409(string route)
    {
        using var admin = host.Admin();
        var partner = "fresh-revoked-" + route.Replace('/', '-');
        await admin.CreatePartnerAsync(partner);
        var key = Guid.NewGuid().ToString();
        var issued = await admin.IssueAsync($"/v1/partners/{partner}/{route}", Body, key);
        var secret = issued.Text("secret");

        // The partner's only secret: forced past builtin:partner (WriteCheckTests covers the refusal).
        (await admin.DeleteAsync($"/v1/partners/{partner}/secrets/{issued.Text("id")}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var retry = await admin.PostJsonAsync($"/v1/partners/{partner}/{route}", Body, key);

        var problem = await retry.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem.ErrorFields().ShouldContain("Idempotency-Key");
        problem.Text("detail").ShouldContain("revoked");
        problem.ToJsonString().ShouldNotContain(secret);
        (await Store.GetAsync("x:" + PartnerCalls.Sha256(secret))).ShouldBeNull();
        (await StoredSecretsOfAsync(partner)).ShouldBe(0);
        (await admin.SimulateMediaTailorAsync(secret)).Text("action").ShouldBe("deny");
    }

    [Fact]
    public async Task A_secret_ended_by_the_sweep_is_not_replayed_by_its_key_either()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("fresh-swept");
        var key = Guid.NewGuid().ToString();
        var old = await admin.IssueAsync("/v1/partners/fresh-swept/secrets", Body, key);
        // No grace ends the secret MediaTailor may hold: forced past builtin:partner:fresh-swept.
        await admin.IssueAsync("/v1/partners/fresh-swept/secrets/rotate?force=true", new { graceSeconds = 0, distributionDomain = PartnerCalls.Domain });
        // Rotated out with no grace: expired now; the sweep deletes it.
        await host.Service<Features.Secrets.SecretSweep>().SweepAsync(default);
        (await Store.GetAsync("x:" + PartnerCalls.Sha256(old.Text("secret")))).ShouldBeNull();

        var retry = await admin.PostJsonAsync("/v1/partners/fresh-swept/secrets", Body, key);

        (await retry.ShouldBeProblemAsync(HttpStatusCode.Conflict)).ToJsonString().ShouldNotContain(old.Text("secret"));
    }

    [Fact]
    public async Task After_the_idempotency_window_the_same_key_issues_a_fresh_secret_not_the_old_one()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("fresh-window");
        var key = Guid.NewGuid().ToString();
        var first = await admin.IssueAsync("/v1/partners/fresh-window/secrets/rotate", Body, key);
        await host.Service<IdempotencyCleanup>().DeleteExpiredAsync(DateTimeOffset.UtcNow + IdempotencyCleanup.Retention + TimeSpan.FromHours(1), default);

        var again = await admin.PostJsonAsync("/v1/partners/fresh-window/secrets/rotate", Body, key);

        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.Headers.Contains("Idempotency-Replayed").ShouldBeFalse();
        var second = await again.JsonAsync();
        second.Text("secret").ShouldNotBe(first.Text("secret"));
        second.Text("id").ShouldNotBe(first.Text("id"));
        // A real rotation: the first secret is rotated out, not kept alongside.
        second["rotatedOut"]!.AsArray().ShouldHaveSingleItem()!.Text("id").ShouldBe(first.Text("id"));
    }

    [Fact]
    public async Task The_same_token_key_and_partner_do_not_determine_the_secret()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("fresh-underived");
        const string key = "ci-job-reuses-this-key";
        var first = await admin.IssueAsync("/v1/partners/fresh-underived/secrets", Body, key);
        // Forget everything the database kept about the key: only the request is left to go on.
        await using (var connection = await host.Service<IDatabase>().OpenAsync())
            await connection.ExecuteAsync("DELETE FROM idempotent_requests");

        var second = await admin.IssueAsync("/v1/partners/fresh-underived/secrets", Body, key);

        second.Text("secret").ShouldNotBe(first.Text("secret"));
        second.Text("id").ShouldNotBe(first.Text("id"));
    }

    [Fact]
    public async Task A_secret_kept_by_an_attempt_that_died_and_was_never_retried_is_deleted_after_the_window()
    {
        using var admin = host.Admin();
        await admin.CreatePartnerAsync("fresh-abandoned");
        var key = Guid.NewGuid().ToString();
        var issued = await admin.IssueAsync("/v1/partners/fresh-abandoned/secrets", Body, key);
        // What a crash after the store write leaves, a day and more ago: the secret kept, no answer, no lease.
        await using (var connection = await host.Service<IDatabase>().OpenAsync())
            await connection.ExecuteAsync("UPDATE idempotent_requests SET status = NULL, answer = NULL, holder = 'killed', lease_until = 0, created_at = @c WHERE idem_key = @k",
                null, default, ("c", (DateTimeOffset.UtcNow - IdempotencyCleanup.Retention - TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds()), ("k", key));

        // The background sweep may get there first; either way the secret goes.
        await host.Service<Features.Secrets.SecretSweep>().SweepAsync(default);

        (await Store.GetAsync("x:" + PartnerCalls.Sha256(issued.Text("secret")))).ShouldBeNull();
        var audit = await admin.GetJsonAsync($"/v1/audit?action=secret.sweep&target=fresh-abandoned%2F{issued.Text("id")}");
        audit["items"]!.AsArray().ShouldHaveSingleItem();
        // Ended, the record holds nothing more and goes with the window; the key then issues a fresh secret.
        (await host.Service<IdempotencyCleanup>().DeleteExpiredAsync(DateTimeOffset.UtcNow, default)).ShouldBe(1);
        (await admin.IssueAsync("/v1/partners/fresh-abandoned/secrets", Body, key)).Text("secret").ShouldNotBe(issued.Text("secret"));
    }
}
