using System.Net;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// A crash between the store write and keeping the answer leaves the secret in the store, the
/// idempotency record unfinished with the secret it kept (sealed) before the write, and a lease that
/// runs out. The client's retry with the same Idempotency-Key takes over: it must answer with that
/// same secret, not a second one nobody knows. The real SIGKILL version: <see cref="IdempotencyCrashTests"/>.
/// </summary>
public sealed class RetriedSecretTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Theory]
    [InlineData("secrets")]
    [InlineData("secrets/rotate")]
    public async Task A_retry_after_the_kept_answer_was_lost_issues_the_same_secret_and_no_second_one(string route)
    {
        using var admin = host.Admin();
        var partner = "retried-" + route.Replace('/', '-');
        (await admin.PostJsonAsync("/v1/partners", new { id = partner, scope = "manifests" })).EnsureSuccessStatusCode();
        var body = new { distributionDomain = MutationWorkload.DistributionDomain };

        var first = await admin.PostJsonAsync($"/v1/partners/{partner}/{route}", body, $"{partner}-once");
        first.StatusCode.ShouldBe(HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
        await LoseKeptAnswersAsync();
        var retry = await admin.PostJsonAsync($"/v1/partners/{partner}/{route}", body, $"{partner}-once");

        retry.StatusCode.ShouldBe(HttpStatusCode.Created, await retry.Content.ReadAsStringAsync());
        retry.Headers.Contains("Idempotency-Replayed").ShouldBeFalse();
        (await retry.JsonAsync())["secret"]!.GetValue<string>().ShouldBe((await first.JsonAsync())["secret"]!.GetValue<string>());
        var stored = (await host.Service<IKeyValueStore>().ListAllAsync()).Values.Count(v => v.Contains($"\"p\":\"{partner}\"", StringComparison.Ordinal));
        stored.ShouldBe(1);
        var listed = await admin.GetJsonAsync($"/v1/partners/{partner}/secrets");
        listed.ToJsonString().ShouldNotContain("ealp_");
    }

    [Fact]
    public async Task Without_an_Idempotency_Key_every_create_is_a_new_secret()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/partners", new { id = "retried-keyless", scope = "manifests" })).EnsureSuccessStatusCode();
        var body = new { distributionDomain = MutationWorkload.DistributionDomain };

        var first = await (await admin.PostJsonAsync("/v1/partners/retried-keyless/secrets", body)).JsonAsync();
        var second = await (await admin.PostJsonAsync("/v1/partners/retried-keyless/secrets", body)).JsonAsync();

        second["secret"]!.GetValue<string>().ShouldNotBe(first["secret"]!.GetValue<string>());
    }

    /// <summary>What a SIGKILL after the store write and before the answer was kept leaves: the kept secret, no answer, a lease run out.</summary>
    async Task LoseKeptAnswersAsync()
    {
        await using var connection = await host.Service<IDatabase>().OpenAsync();
        await connection.ExecuteAsync("UPDATE idempotent_requests SET status = NULL, answer = NULL, holder = 'killed', lease_until = 0");
    }
}
