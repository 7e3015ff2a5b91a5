using System.Diagnostics;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Bench;

/// <summary>
/// The embedded store on its own: UpdateKeys with full 50-key batches (each one an fsync of the
/// write-ahead log), reads meanwhile, then a reopen (snapshot + log replay) of the result.
/// </summary>
public sealed class LocalStoreScenario : IScenario
{
    public string Name => "local-store";

    public string Description => "local store: 50-key UpdateKeys per second, Get/ListKeys per second, reopen time [batches=2000]";

    public async Task<int> RunAsync(string[] args)
    {
        var batches = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
        var folder = Directory.CreateTempSubdirectory("edge-allowlist-bench-").FullName;
        try
        {
            var value = new string('v', 200);
            var latencies = new double[batches];
            var total = Stopwatch.StartNew();
            using (var store = LocalKeyValueStore.Open(folder))
            {
                var etag = (await store.DescribeAsync()).ETag;
                for (var batch = 0; batch < batches; batch++)
                {
                    // 2,000 distinct keys in all, so most batches overwrite and the store stays small.
                    var puts = Enumerable.Range(0, KvsLimits.MaxKeysPerUpdate)
                        .Select(i => new KeyValueItem($"o:https://host-{(batch * KvsLimits.MaxKeysPerUpdate + i) % 2000:D4}.example.com", value))
                        .ToArray();
                    var started = Stopwatch.GetTimestamp();
                    etag = (await store.UpdateKeysAsync(etag, puts, [])).ETag;
                    latencies[batch] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                total.Stop();
                Array.Sort(latencies);
                Console.WriteLine($"UpdateKeys (50 keys, 250 B each): {batches / total.Elapsed.TotalSeconds:F0} batches/s = {batches * 50 / total.Elapsed.TotalSeconds:F0} keys/s");
                Console.WriteLine($"  latency ms: p50 {latencies[batches / 2]:F3}  p99 {latencies[(int)(batches * 0.99)]:F3}  max {latencies[^1]:F3}");

                var reads = Stopwatch.StartNew();
                const int gets = 200_000;
                for (var i = 0; i < gets; i++)
                    _ = await store.GetAsync($"o:https://host-{i % 2000:D4}.example.com");
                Console.WriteLine($"GetKey: {gets / reads.Elapsed.TotalSeconds:F0} per second");

                reads.Restart();
                var pages = 0;
                string? token = null;
                do
                {
                    token = (await store.ListAsync(token, KvsLimits.MaxListPageSize)).NextToken;
                    pages++;
                }
                while (token is not null);
                Console.WriteLine($"ListKeys: {pages} pages of 50 in {reads.Elapsed.TotalMilliseconds:F1} ms");
            }

            var reopen = Stopwatch.StartNew();
            using (var reopened = LocalKeyValueStore.Open(folder))
            {
                var description = await reopened.DescribeAsync();
                Console.WriteLine($"Reopen ({description.ItemCount} items, {description.TotalSizeInBytes} B, log {new FileInfo(Path.Combine(folder, "wal.log")).Length} B): {reopen.Elapsed.TotalMilliseconds:F1} ms");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
