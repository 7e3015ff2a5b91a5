extern alias emulator;
using EdgeAllowlist.Reliability;
using emulator::EdgeAllowlist.Emulator;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// The fast version of the reliability bench's fault run (the full one: 2,000 mutations from 8
/// clients, <c>dotnet run -c Release --project bench/EdgeAllowlist.Bench -- reliability</c>): the API
/// as its own process on the emulator through the AWS client, two attempts per KVS call so faults
/// also reach the writer's re-reads and the clients' Idempotency-Key retries.
/// </summary>
[Trait("Category", "Slow")]
public sealed class FaultInjectionTests
{
    [Fact]
    public async Task With_a_third_of_KVS_calls_failing_every_acknowledged_change_is_stored_and_audited_once_for_its_requester()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var data = Directory.CreateTempSubdirectory("ea-rel-fault-").FullName;
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.For(emulator.Address, data, token);
        settings["Kvs:MaxAttempts"] = "2";
        try
        {
            await using var api = await ApiProcess.StartAsync(settings);
            using var admin = api.Client(token);
            var workload = new MutationWorkload("fi", clients: 4, mutationsPerClient: 75);
            await workload.PrepareAsync(admin);
            // Denser than the bench's 20 %, so the rare paths (a re-read failing right after an unanswered write) come up in a short run.
            emulator.SetFaults(new() { Seed = 6, ErrorRate = 0.25, ErrorStatusCodes = [500, 503, 429], FailAfterApplyRate = 0.1, DropConnectionAfterApplyRate = 0.1 });
            await workload.RunAsync(_ => api.Client(token));
            emulator.SetFaults(new FaultSettings());

            using var store = ApiSettings.StoreClient(emulator.Address);
            var (summary, violations) = await InvariantCheck.RunAsync(admin, store, workload.Outcomes);
            violations.ShouldBeEmpty();
            summary.Mutations.ShouldBe(300);
            summary.Acknowledged.ShouldBeGreaterThan(summary.Mutations / 2);
            // The faults did hit writes whose answers were lost, and recovery attributed them.
            summary.Recovered.ShouldBeGreaterThan(0);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
