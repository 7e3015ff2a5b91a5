using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using EdgeAllowlist.Emulator;

namespace EdgeAllowlist.Bench.Api;

/// <summary>
/// The real API (a child process, over HTTP) writing to the emulator with 25 ms added latency per
/// call: 500 concurrent single-origin adds against the same 500 adds made one after another, then one
/// bulk add of 20,000 origins. UpdateKeys calls are read from the API's own /metrics.
/// </summary>
public sealed partial class ApiWritePathScenario : IScenario
{
    const string Arn = "arn:aws:cloudfront::123456789012:key-value-store/5e0c8a2b-1d3f-4a6b-9c7d-2e4f6a8b0c1d";
    const string AccessKeyId = "AKIDEXAMPLE";
    const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    public string Name => "api-write-path";

    public string Description => "API over HTTP on the emulator (+25 ms/call): 500 concurrent adds vs one at a time; bulk 20,000 [latencyMs=25]";

    public async Task<int> RunAsync(string[] args)
    {
        var latency = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 25;
        var folder = Directory.CreateTempSubdirectory("edge-allowlist-bench-api-").FullName;
        var emulator = EmulatorHost.Create(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], o =>
        {
            o.DataPath = Path.Combine(folder, "emulator");
            o.Stores = [Arn];
            o.Credentials = [new() { AccessKeyId = AccessKeyId, SecretAccessKey = SecretAccessKey }];
            o.Faults = new() { LatencyMilliseconds = latency };
        });
        await emulator.StartAsync();
        var token = "eaat_bench_" + Guid.NewGuid().ToString("N");
        var port = FreePort();
        using var api = StartApi(folder, port, EmulatorHost.ListeningAddress(emulator), token);
        try
        {
            using var http = new HttpClient { BaseAddress = new($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await WaitReadyAsync(http);
            Console.WriteLine($"API on the emulator with {latency} ms added latency per KVS call");

            await MeasureAsync(http, "500 concurrent single adds", async () =>
                await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Add(http, $"https://c{i:D3}.bench.example"))));
            await MeasureAsync(http, "500 single adds, one at a time", async () =>
            {
                for (var i = 0; i < 500; i++)
                    await Add(http, $"https://s{i:D3}.bench.example");
            });
            await MeasureAsync(http, "bulk add of 20,000 origins", async () =>
            {
                var origins = Enumerable.Range(0, 20_000).Select(i => new { origin = $"https://b{i:D5}.bulk.bench.example" });
                (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins })).EnsureSuccessStatusCode();
            });
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

    static async Task Add(HttpClient http, string origin) =>
        (await http.PostAsJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();

    static async Task MeasureAsync(HttpClient http, string label, Func<Task> run)
    {
        var before = await BatchesAsync(http);
        var watch = Stopwatch.StartNew();
        await run();
        watch.Stop();
        var calls = await BatchesAsync(http) - before;
        Console.WriteLine($"{label,-34} {watch.Elapsed.TotalSeconds,8:F2} s   {calls,5} UpdateKeys calls");
    }

    /// <summary>The API's count of successful UpdateKeys calls, from its Prometheus endpoint.</summary>
    static async Task<long> BatchesAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        var match = BatchesMetric().Match(text);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    internal static Process StartApi(string folder, int port, Uri emulator, string token)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "EdgeAllowlist.Api.dll"), "--urls", $"http://127.0.0.1:{port}",
            $"--DataDirectory={Path.Combine(folder, "api")}", $"--Kvs:Arn={Arn}", $"--Kvs:EndpointOverride={emulator}",
            "--Kvs:UseEndpointOverrideVerbatim=true", "--Logging:LogLevel:Default=Warning",
            "--Auth:MaxRequestsPerToken=1000000", // a benchmark, not a caller to protect others from
        })
            start.ArgumentList.Add(arg);
        start.Environment["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = token;
        start.Environment["AWS_ACCESS_KEY_ID"] = AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task WaitReadyAsync(HttpClient http, int attempts = 300)
    {
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            try
            {
                if ((await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The API did not become ready.");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^edge_allowlist_batches(?:_total)?(?:\{[^}]*\})? (\d+)", RegexOptions.Multiline)]
    private static partial Regex BatchesMetric();
}
