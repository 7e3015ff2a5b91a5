extern alias emulator;
using System.Net;
using emulator::EdgeAllowlist.Emulator;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// The API as a real process on the emulated store, with every KVS call slowed down so a secret
/// request is caught between keeping its new secret and answering: killed there, the key is free
/// again within the stated lease and the retry answers with the secret the store holds; alive
/// there, its renewed lease keeps the retry out.
/// </summary>
public sealed class IdempotencyCrashTests
{
    const string Partner = "crash-partner";
    static readonly object Body = new { distributionDomain = MutationWorkload.DistributionDomain };

    [Fact]
    public async Task A_secret_request_killed_mid_write_frees_its_key_within_the_lease_and_the_retry_answers_with_the_stored_secret()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var data = Directory.CreateTempSubdirectory("ea-rel-idem-").FullName;
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.For(emulator.Address, data, token);
        settings["Idempotency:InProgressLease"] = "00:00:04";
        settings["Kvs:AttemptTimeout"] = "00:00:10";
        using var store = ApiSettings.StoreClient(emulator.Address);
        try
        {
            var api = await ApiProcess.StartAsync(settings);
            using (var admin = api.Client(token))
                await admin.CreatePartnerAsync(Partner);
            emulator.SetFaults(new() { LatencyMilliseconds = 1500 });
            using var doomed = api.Client(token);
            var cut = doomed.PostJsonAsync($"/v1/partners/{Partner}/secrets", Body, "crash-key");
            await UntilKeptAsync(data);
            await api.KillAsync();
            await Should.ThrowAsync<HttpRequestException>(cut);
            emulator.SetFaults(new());

            await using var restarted = await ApiProcess.StartAsync(settings, api.BaseAddress.Port);
            using var client = restarted.Client(token);
            var retry = await client.PostJsonAsync($"/v1/partners/{Partner}/secrets", Body, "crash-key");
            for (var blocked = 0; retry.StatusCode == HttpStatusCode.Conflict; blocked++)
            {
                blocked.ShouldBeLessThan(3, await retry.Content.ReadAsStringAsync());
                var wait = int.Parse(retry.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
                wait.ShouldBeInRange(1, 4);
                await Task.Delay(TimeSpan.FromSeconds(wait));
                retry = await client.PostJsonAsync($"/v1/partners/{Partner}/secrets", Body, "crash-key");
            }

            var issued = await retry.JsonAsync();
            retry.StatusCode.ShouldBe(HttpStatusCode.Created, issued.ToJsonString());
            var secrets = (await store.ListAllAsync()).Where(i => i.Key.StartsWith("x:", StringComparison.Ordinal) && i.Value.Contains(Partner, StringComparison.Ordinal)).ToList();
            secrets.ShouldHaveSingleItem().Key.ShouldBe("x:" + PartnerCalls.Sha256(issued.Text("secret")));
            var replay = await client.PostJsonAsync($"/v1/partners/{Partner}/secrets", Body, "crash-key");
            replay.Headers.GetValues("Idempotency-Replayed").ShouldBe(["true"]);
            (await replay.JsonAsync()).Text("secret").ShouldBe(issued.Text("secret"));
            await api.DisposeAsync();
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    // The renewal is a database write: it stalled while the writer held SQLite's write lock across
    // the store call, and the retry took over (SlowStoreTests holds the lock-free wait).
    [Fact]
    public async Task A_live_request_renews_its_lease_so_a_retry_waits_for_its_answer_instead_of_running_twice()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var data = Directory.CreateTempSubdirectory("ea-rel-idem-").FullName;
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.For(emulator.Address, data, token);
        settings["Idempotency:InProgressLease"] = "00:00:01";
        settings["Kvs:AttemptTimeout"] = "00:00:10";
        try
        {
            await using var api = await ApiProcess.StartAsync(settings);
            using var client = api.Client(token);
            await client.CreatePartnerAsync(Partner);
            emulator.SetFaults(new() { LatencyMilliseconds = 4000 });
            var slow = client.PostJsonAsync($"/v1/partners/{Partner}/secrets", Body, "live-key");
            await UntilKeptAsync(data);
            // Twice the lease: a lease that was not renewed would have ended by now.
            await Task.Delay(TimeSpan.FromSeconds(2));

            var retry = await client.PostJsonAsync($"/v1/partners/{Partner}/secrets", Body, "live-key");

            (await retry.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Text("detail").ShouldContain("in progress");
            var answer = await slow;
            answer.StatusCode.ShouldBe(HttpStatusCode.Created);
            emulator.SetFaults(new());
            var replay = await client.PostJsonAsync($"/v1/partners/{Partner}/secrets", Body, "live-key");
            (await replay.Content.ReadAsStringAsync()).ShouldBe(await answer.Content.ReadAsStringAsync());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Until the attempt has committed the secret it is about to write (it does so before the store write).</summary>
    static async Task UntilKeptAsync(string data)
    {
        var database = new SqliteDatabase(Path.Combine(data, "edge-allowlist.db"));
        for (var tries = 0; ; tries++)
        {
            await using (var connection = await database.OpenAsync())
                if (Convert.ToInt64(await connection.ScalarAsync("SELECT COUNT(*) FROM idempotent_requests WHERE memo IS NOT NULL AND status IS NULL"), System.Globalization.CultureInfo.InvariantCulture) == 1)
                    return;
            tries.ShouldBeLessThan(600, "The request never kept its secret.");
            await Task.Delay(10);
        }
    }
}
