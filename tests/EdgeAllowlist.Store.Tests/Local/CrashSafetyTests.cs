using EdgeAllowlist.Store.CrashWriter;
using EdgeAllowlist.Store.Local;
using Xunit.Abstractions;

namespace EdgeAllowlist.Store.Tests.Local;

[Trait("Category", "Slow")]
public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    const int Kills = 24;
    // Small enough that the writer compacts every few writes, so kills also land in snapshot writes.
    const long CompactionThresholdBytes = 16 * 1024;
    readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_writer_killed_at_random_moments_leaves_every_acknowledged_write_and_exactly_one_prefix_of_its_writes()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        long lastAcknowledged = 0;
        string? lastAcknowledgedETag = null;
        var snapshots = new HashSet<string>();

        for (var kill = 0; kill < Kills; kill++)
        {
            await using (var child = CrashWriterProcess.Start(folder.Path, CompactionThresholdBytes))
            {
                (await child.ReadLineAsync()).ShouldNotBeNull().ShouldStartWith("ready");
                // Let it get a few writes in (or none), then kill it at an arbitrary point of the next one.
                for (var acks = random.Next(0, 6); acks > 0; acks--)
                    (await child.ReadLineAsync()).ShouldNotBeNull().ShouldStartWith("ack");
                await Task.Delay(random.Next(0, 12));
                await child.KillAsync();

                var acknowledged = child.Acknowledgements();
                if (acknowledged.Count > 0)
                    (lastAcknowledged, lastAcknowledgedETag) = acknowledged[^1];
            }

            var step = await VerifyStoreAsync(lastAcknowledged, lastAcknowledgedETag);
            output.WriteLine($"kill {kill}: last acknowledged step {lastAcknowledged}, store at step {step}");
            // The next writer starts from the store's state, which may include the unacknowledged write.
            if (step != lastAcknowledged)
                (lastAcknowledged, lastAcknowledgedETag) = (step, null);
            snapshots.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(folder.File(Snapshot.FileName)))));
        }

        lastAcknowledged.ShouldBeGreaterThan(Kills);
        snapshots.Count.ShouldBeGreaterThan(2, "the writer should have compacted several times");
    }

    [Fact]
    public async Task A_second_process_cannot_open_a_store_folder_that_is_already_open()
    {
        using (LocalKeyValueStore.Open(folder.Path))
        {
            await using var refused = CrashWriterProcess.Start(folder.Path, CompactionThresholdBytes);
            var (exitCode, standardError) = await refused.WaitForExitAsync();

            exitCode.ShouldBe(3);
            standardError.ShouldContain("already open");
        }

        await using var admitted = CrashWriterProcess.Start(folder.Path, CompactionThresholdBytes);
        (await admitted.ReadLineAsync()).ShouldBe("ready 0");
    }

    // The store must hold exactly the state after some step, no earlier than the last acknowledged
    // one and at most one later (the write in flight at the kill may or may not have landed).
    async Task<long> VerifyStoreAsync(long lastAcknowledged, string? lastAcknowledgedETag)
    {
        using var store = LocalKeyValueStore.Open(folder.Path);
        var items = await store.ReadAllAsync();
        var counter = items.SingleOrDefault(i => i.Key == CrashWorkload.CounterKey);
        var step = counter is null ? 0 : long.Parse(counter.Value, System.Globalization.CultureInfo.InvariantCulture);

        step.ShouldBeInRange(lastAcknowledged, lastAcknowledged + 1);
        items.ShouldBe(CrashWorkload.StateAfter(step).Select(pair => new KeyValueItem(pair.Key, pair.Value)));
        var description = await store.DescribeAsync();
        description.ItemCount.ShouldBe(items.Count);
        description.TotalSizeInBytes.ShouldBe(items.Sum(i => KvsLimits.EntrySize(i.Key, i.Value)));
        if (step == lastAcknowledged && lastAcknowledgedETag is not null)
            description.ETag.ShouldBe(lastAcknowledgedETag);
        return step;
    }
}
