using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Bench.EdgeFunction;

/// <summary>
/// Decisions per second and KVS reads per decision of function/allowlist.js run by the Jint runtime
/// on the local store, with 10 and with 50,000 origins in the store: the reads must not change.
/// The two stores are measured in alternating rounds and the best round is kept, so a noisy,
/// shared machine slows both alike instead of skewing the comparison.
/// Usage: edge-function [seconds per store and request, default 3] [rounds, default 3]
/// </summary>
public sealed class EdgeFunctionScenario : IScenario
{
    const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

    public string Name => "edge-function";

    public string Description => "allowlist.js on Jint: decisions/s and KVS reads/decision, 10 vs 50,000 origins";

    public async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0]) : 3;
        var rounds = args.Length > 1 ? int.Parse(args[1]) : 3;
        var root = Directory.CreateTempSubdirectory("edge-allowlist-bench-").FullName;
        try
        {
            var secret = "ealp_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            using var small = await CreateStoreAsync(Path.Combine(root, "small"), secret, 10);
            using var large = await CreateStoreAsync(Path.Combine(root, "large"), secret, 50_000);
            var runtime = EdgeFunctionRuntime.Load();
            var requests = new (string Name, JsonObject Event)[]
            {
                ("browser, exact origin", Request("/v1/master/a/b/index.m3u8", ("origin", "https://site7.example.com"), ("user-agent", Chrome))),
                ("partner secret", Request($"/_p/{secret}/test/ACCUSSED_Stereo.m3u8", ("user-agent", "MediaTailor"))),
                ("unknown origin", Request("/seg.ts", ("origin", "https://evil.example.net"), ("user-agent", Chrome))),
                ("Safari, no Origin", Request("/seg.ts", ("user-agent", "AppleCoreMedia/1.0.0.21A329 (iPhone)"))),
            };
            (string Label, IKeyValueStore Store)[] stores =
            [
                ("10 origins", small),
                ($"{(await large.DescribeAsync()).ItemCount - 3:N0} origins, {(await large.DescribeAsync()).TotalSizeInBytes:N0} bytes", large),
            ];

            // Let tiered JIT settle on every path before anything is counted.
            for (var warmUp = Stopwatch.StartNew(); warmUp.Elapsed.TotalSeconds < seconds;)
                foreach (var (_, cloudFrontEvent) in requests) runtime.Run(cloudFrontEvent.DeepClone().AsObject(), small);

            var best = new double[stores.Length, requests.Length];
            var reads = new double[stores.Length, requests.Length];
            var decisions = new string[requests.Length];
            for (var round = 0; round < rounds; round++)
                for (var s = 0; s < stores.Length; s++)
                    for (var r = 0; r < requests.Length; r++)
                    {
                        var (rate, readsPerDecision, decision) = Measure(runtime, stores[s].Store, requests[r].Event, seconds / rounds);
                        best[s, r] = Math.Max(best[s, r], rate);
                        reads[s, r] = readsPerDecision;
                        decisions[r] = decision;
                    }

            Console.WriteLine($"function {runtime.SizeInBytes} bytes; one thread; best of {rounds} rounds of {seconds / rounds:0.#} s per cell");
            for (var s = 0; s < stores.Length; s++)
            {
                Console.WriteLine($"\n{stores[s].Label}");
                Console.WriteLine($"  {"request",-24} {"decision",-10} {"reads",5} {"decisions/s",12} {"µs/decision",12}");
                for (var r = 0; r < requests.Length; r++)
                    Console.WriteLine($"  {requests[r].Name,-24} {decisions[r],-10} {reads[s, r],5:0.##} {best[s, r],12:N0} {1_000_000 / best[s, r],12:N1}");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    static (double Rate, double Reads, string Decision) Measure(EdgeFunctionRuntime runtime, IKeyValueStore store, JsonObject cloudFrontEvent, double seconds)
    {
        var count = 0;
        var reads = 0L;
        EdgeOutcome? last = null;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            last = runtime.Run(cloudFrontEvent.DeepClone().AsObject(), store);
            reads += last.KvsReads;
            count++;
        }
        var decision = last!.Action == EdgeAction.Pass ? "pass" : $"deny {last.StatusCode}";
        return (count / clock.Elapsed.TotalSeconds, (double)reads / count, decision);
    }

    static async Task<LocalKeyValueStore> CreateStoreAsync(string folder, string secret, int origins)
    {
        var store = LocalKeyValueStore.Open(folder);
        IEnumerable<KeyValueItem> items =
        [
            new("cfg", "{\"v\":1,\"mode\":\"enforce\",\"noOrigin\":\"ua\",\"public\":[\"/healthz\"],\"ua\":1,\"wild\":1}"),
            new("ua:0", "{\"allow\":\"Mozilla/|AppleCoreMedia/|ExoPlayer\",\"deny\":\"curl/|wget/|python-requests\"}"),
            new("x:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), "{\"p\":\"mediatailor\",\"id\":\"s1\",\"scope\":\"manifests\",\"exp\":0}"),
            .. Enumerable.Range(0, origins).Select(i => new KeyValueItem($"o:https://site{i}.example.com", "{}")),
        ];
        foreach (var batch in items.Chunk(KvsLimits.MaxKeysPerUpdate))
        {
            var description = await store.DescribeAsync();
            await store.UpdateKeysAsync(description.ETag, batch, []);
        }
        return store;
    }

    static JsonObject Request(string uri, params (string Name, string Value)[] headers) =>
        EdgeEvent.ViewerRequest(uri, headers.Select(h => KeyValuePair.Create(h.Name, h.Value)));
}
