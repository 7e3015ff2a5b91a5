using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// The fast version of the bench's crash run (50 kills there): the API as a real process, SIGKILLed
/// mid-write and restarted on the same SQLite file and the same emulated store.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task After_each_SIGKILL_and_restart_the_store_and_the_audit_trail_agree_and_no_acknowledged_change_is_lost()
    {
        await using var emulator = await EmulatedStore.StartAsync();

        var (figures, violations) = await CrashLoop.RunAsync(emulator.Address, kills: 4, clients: 3, mutationsPerRound: 12, seed: 4);

        violations.ShouldBeEmpty();
        figures.Summary.Mutations.ShouldBe(4 * 3 * 12);
        figures.Summary.Acknowledged.ShouldBe(figures.Summary.Mutations);
    }
}
