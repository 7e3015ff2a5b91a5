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
/// Usage: edge-function [seconds per measurement, default 3]
/// </summary>
public sealed class EdgeFunctionScenario : IScenario
{
    const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

    public string Name => "edge-function";

    public string Description => "allowlist.js on Jint: decisions/s and KVS reads/decision, 10 vs 50,000 origins";

    public async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0]) : 3;
        var folder = Directory.CreateTempSubdirectory("edge-allowlist-bench-").FullName;
        try
        {
            using var store = LocalKeyValueStore.Open(folder);
            var secret = "ealp_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            await WriteAsync(store,
            [
                new("cfg", "{\"v\":1,\"mode\":\"enforce\",\"noOrigin\":\"ua\",\"public\":[\"/healthz\"],\"ua\":1,\"wild\":1}"),
                new("ua:0", "{\"allow\":\"Mozilla/|AppleCoreMedia/|ExoPlayer\",\"deny\":\"curl/|wget/|python-requests\"}"),
                new("x:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), "{\"p\":\"mediatailor\",\"id\":\"s1\",\"scope\":\"manifests\",\"exp\":0}"),
                .. Origins(0, 10),
            ]);
            var runtime = EdgeFunctionRuntime.Load();
            var requests = new (string Name, JsonObject Event)[]
            {
                ("browser, exact origin", Request("/v1/master/a/b/index.m3u8", ("origin", "https://site7.example.com"), ("user-agent", Chrome))),
                ("partner secret", Request($"/_p/{secret}/test/ACCUSSED_Stereo.m3u8", ("user-agent", "MediaTailor"))),
                ("unknown origin", Request("/seg.ts", ("origin", "https://evil.example.net"), ("user-agent", Chrome))),
                ("Safari, no Origin", Request("/seg.ts", ("user-agent", "AppleCoreMedia/1.0.0.21A329 (iPhone)"))),
            };

            Console.WriteLine($"function {runtime.SizeInBytes} bytes; {seconds} s per measurement, one thread");
            Measure(runtime, store, requests, seconds, "10 origins");
            for (var start = 10; start < 50_000; start += 5_000)
                await WriteAsync(store, Origins(start, Math.Min(5_000, 50_000 - start)).ToList());
            var description = await store.DescribeAsync();
            Measure(runtime, store, requests, seconds, $"{description.ItemCount - 3:N0} origins ({description.TotalSizeInBytes:N0} bytes)");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static void Measure(EdgeFunctionRuntime runtime, IKeyValueStore store, (string Name, JsonObject Event)[] requests, double seconds, string label)
    {
        Console.WriteLine($"\n{label}");
        Console.WriteLine($"  {"request",-24} {"decision",-10} {"reads",5} {"decisions/s",12} {"µs/decision",12}");
        foreach (var (name, cloudFrontEvent) in requests)
        {
            var warm = runtime.Run(cloudFrontEvent.DeepClone().AsObject(), store);
            for (var warmUp = Stopwatch.StartNew(); warmUp.Elapsed.TotalSeconds < seconds / 4;)
                runtime.Run(cloudFrontEvent.DeepClone().AsObject(), store);
            var count = 0;
            var reads = 0L;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                reads += runtime.Run(cloudFrontEvent.DeepClone().AsObject(), store).KvsReads;
                count++;
            }
            var rate = count / clock.Elapsed.TotalSeconds;
            var decision = warm.Action == EdgeAction.Pass ? "pass" : $"deny {warm.StatusCode}";
            Console.WriteLine($"  {name,-24} {decision,-10} {(double)reads / count,5:0.##} {rate,12:N0} {1_000_000 / rate,12:N1}");
        }
    }

    static IEnumerable<KeyValueItem> Origins(int start, int count) =>
        Enumerable.Range(start, count).Select(i => new KeyValueItem($"o:https://site{i}.example.com", "{}"));

    static async Task WriteAsync(IKeyValueStore store, IReadOnlyList<KeyValueItem> items)
    {
        foreach (var batch in items.Chunk(KvsLimits.MaxKeysPerUpdate))
        {
            var description = await store.DescribeAsync();
            await store.UpdateKeysAsync(description.ETag, batch, []);
        }
    }

    static JsonObject Request(string uri, params (string Name, string Value)[] headers) =>
        EdgeEvent.ViewerRequest(uri, headers.Select(h => KeyValuePair.Create(h.Name, h.Value)));
}
