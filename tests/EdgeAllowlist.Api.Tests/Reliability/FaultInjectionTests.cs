extern alias emulator;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;
using emulator::EdgeAllowlist.Emulator;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// The fast version of the reliability bench's fault run (the full one: 2,000 mutations from 8
/// clients, <c>dotnet run -c Release --project bench/EdgeAllowlist.Bench -- reliability</c>).
/// </summary>
public sealed class FaultInjectionTests(EmulatorApiHost host) : IClassFixture<EmulatorApiHost>
{
    [Fact]
    public async Task With_one_KVS_call_in_five_failing_every_acknowledged_change_is_stored_and_audited_once_and_no_failed_one_is_left_unaudited()
    {
        var workload = new MutationWorkload("fi", clients: 4, mutationsPerClient: 40);
        using var admin = host.Api.Admin();
        await workload.PrepareAsync(admin);
        await host.SetFaultsAsync(EmulatedStore.OneCallInFive(seed: 6));
        try
        {
            await workload.RunAsync(_ => host.Api.Admin());
        }
        finally
        {
            await host.SetFaultsAsync(new FaultSettings());
        }

        using var store = host.DirectClient();
        var (summary, violations) = await InvariantCheck.RunAsync(admin, store, workload.Outcomes);
        violations.ShouldBeEmpty();
        summary.Mutations.ShouldBe(160);
        summary.Acknowledged.ShouldBeGreaterThan(summary.Mutations / 2);
        // The faults did hit writes whose answers were lost, and recovery attributed them.
        summary.Recovered.ShouldBeGreaterThan(0);
    }
}
