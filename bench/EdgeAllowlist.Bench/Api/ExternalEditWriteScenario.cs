using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Emulator;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Bench.Api;

/// <summary>
/// Write latency under external edits (issue 21, item 5): the real API (a child process, over HTTP) on
/// the emulator holding <c>keys</c> origins; the median of single adds made one at a time while nobody
/// else writes, then while another writer edits the store directly every <c>editMs</c>. A write after
/// an external edit reads only the keys it touches, so the ratio should stay near 1; whole-store
/// listings come from the API's own /metrics (the background re-read, at most one per poll interval).
/// </summary>
public sealed partial class ExternalEditWriteScenario : IScenario
{
    // The store StartApi points the API at.
    const string Arn = "arn:aws:cloudfront::123456789012:key-value-store/5e0c8a2b-1d3f-4a6b-9c7d-2e4f6a8b0c1d";
    static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    public string Name => "api-external-edits";

    public string Description => "API over HTTP on the emulator: median single add quiet vs one external edit every 250 ms [keys=6000] [editMs=250] [adds=300]";

    public async Task<int> RunAsync(string[] args)
    {
        var keys = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 6000;
        var editMs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 250;
        var adds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
        var folder = Directory.CreateTempSubdirectory("edge-allowlist-bench-edits-").FullName;
        var emulator = EmulatorHost.Create(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], o =>
        {
            o.DataPath = Path.Combine(folder, "emulator");
            o.Stores = [Arn];
            o.Credentials = [new() { AccessKeyId = "AKIDEXAMPLE", SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }];
        });
        await emulator.StartAsync();
        var address = EmulatorHost.ListeningAddress(emulator);
        var token = "eaat_bench_" + Guid.NewGuid().ToString("N");
        var port = ApiWritePathScenario.FreePort();
        using var api = ApiWritePathScenario.StartApi(folder, port, address, token);
        using var store = new KeyValueStoreClient(new() { Arn = Arn, EndpointOverride = address.ToString(), UseEndpointOverrideVerbatim = true, MaxAttempts = 1 }, Credentials);
        try
        {
            using var http = new HttpClient { BaseAddress = new($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await ApiWritePathScenario.WaitReadyAsync(http, attempts: 1800); // 3 minutes: a loaded machine starts the API slowly
            for (var start = 0; start < keys; start += 20_000)
            {
                var origins = Enumerable.Range(start, Math.Min(20_000, keys - start)).Select(i => new { origin = $"https://k{i:D6}.fill.bench.example" });
                (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins })).EnsureSuccessStatusCode();
            }
            Console.WriteLine($"API on the emulator holding {keys:N0} origins; {adds} single adds one at a time per phase");

            var quiet = await AddsAsync(http, "quiet", adds);
            using var stop = new CancellationTokenSource();
            var edits = 0;
            var editor = Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    try
                    {
                        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new($"o:https://e{n % 500:D3}.external.bench.example", "{}")], []);
                        Interlocked.Increment(ref edits);
                    }
                    catch (KvsException e) when (e.Kind == KvsErrorKind.Conflict)
                    {
                    }
                    await Task.Delay(editMs, CancellationToken.None);
                }
            });
            var listingsBefore = await CounterAsync(http, ListingsMetric());
            var edited = await AddsAsync(http, $"one external edit every {editMs} ms", adds);
            var listings = await CounterAsync(http, ListingsMetric()) - listingsBefore;
            await stop.CancelAsync();
            await editor;
            Console.WriteLine($"external edits made: {edits}; whole-store listings by the API meanwhile: {listings} (background re-read)");
            Console.WriteLine($"RATIO median under edits / quiet median at {keys:N0} keys: {edited / quiet:F2}");
            return 0;
        }
        finally
        {
            api.Kill(entireProcessTree: true);
            await api.WaitForExitAsync();
            await emulator.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    static async Task<double> AddsAsync(HttpClient http, string label, int adds)
    {
        var times = new List<double>(adds);
        var phase = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < adds; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await http.PostAsJsonAsync("/v1/origins", new { origin = $"https://a{i:D4}.{phase}.bench.example" });
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"Add {i} ({label}) answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        var median = times[times.Count / 2];
        Console.WriteLine($"{label,-34} median {median,7:F1} ms   p90 {times[(int)(times.Count * 0.9)],7:F1} ms   p99 {times[(int)(times.Count * 0.99)],8:F1} ms   max {times[^1],8:F1} ms");
        return median;
    }

    static async Task<long> CounterAsync(HttpClient http, Regex metric)
    {
        var match = metric.Match(await http.GetStringAsync("/metrics"));
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^edge_allowlist_store_listings(?:_total)?(?:\{[^}]*\})? (\d+)", RegexOptions.Multiline)]
    private static partial Regex ListingsMetric();
}
