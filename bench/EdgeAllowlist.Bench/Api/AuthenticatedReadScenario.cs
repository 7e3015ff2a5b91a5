using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Bench.Api;

/// <summary>
/// The cost of authentication and the database on a read: requests per second of an authenticated
/// <c>GET /v1/origins?limit=100</c> against the anonymous <c>/healthz</c>, same process, same run, same
/// concurrency (the API as a process on its embedded store and SQLite).
/// </summary>
public sealed class AuthenticatedReadScenario : IScenario
{
    public string Name => "api-auth-read";

    public string Description => "authenticated GET /v1/origins?limit=100 vs /healthz, requests/s at concurrency 16 [seconds=10 per path and round] [concurrency=16]";

    public async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
        var data = Directory.CreateTempSubdirectory("edge-allowlist-bench-auth-").FullName;
        var token = ApiSettings.NewAdminToken();
        BenchProgress.Step("the API to start");
        await using var api = await ApiProcess.StartAsync(ApiSettings.Embedded(data, token));
        try
        {
            using var http = api.Client(token);
            (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins = Enumerable.Range(0, 150).Select(i => new { origin = $"https://r{i:D3}.read.bench.example" }) })).EnsureSuccessStatusCode();

            // Where the cost lies: the token check alone (settings come from memory), one origin
            // (plus the notes query), a page of 100 (plus its serialisation). The API's CPU time per
            // request says the same without depending on what else the machine runs.
            string[] paths = ["/healthz", "/v1/settings", "/v1/origins?limit=1", "/v1/origins?limit=100"];
            // Warm every path (JIT, pools), then measure each for the same time.
            BenchProgress.Step("the warm-up and timed runs of each path");
            foreach (var path in paths)
                await RunAsync(http, path, TimeSpan.FromSeconds(2), concurrency);
            var rates = new Dictionary<string, (double Rate, double CpuMicroseconds)>();
            // Two rounds, the best of each path: a collection or a tier-up compilation lands in whichever window it happens to.
            for (var round = 0; round < 2; round++)
                foreach (var path in paths)
                {
                    var cpuBefore = CpuTime(api.Id);
                    var (rate, count) = await RunAsync(http, path, TimeSpan.FromSeconds(seconds), concurrency);
                    var cpu = (CpuTime(api.Id) - cpuBefore).TotalMicroseconds / count;
                    rates[path] = rates.TryGetValue(path, out var earlier) ? (Math.Max(earlier.Rate, rate), Math.Min(earlier.CpuMicroseconds, cpu)) : (rate, cpu);
                }
            var health = rates["/healthz"];
            foreach (var path in paths)
                Console.WriteLine($"GET {path,-24} {rates[path].Rate,8:F0} requests/s {rates[path].Rate / health.Rate,6:P0} of /healthz; API CPU {rates[path].CpuMicroseconds,6:F0} us/request ({health.CpuMicroseconds / rates[path].CpuMicroseconds,4:P0} of /healthz's rate by CPU)");
            Console.WriteLine($"ratio                             {rates["/v1/origins?limit=100"].Rate / health.Rate,10:P0}   (goal >= 40 %)");
            return 0;
        }
        finally
        {
            await api.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>User plus system CPU time of a process so far (Linux /proc; fields 14 and 15, in clock ticks of 10 ms).</summary>
    static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromMilliseconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10);
    }

    static async Task<(double Rate, long Count)> RunAsync(HttpClient http, string path, TimeSpan duration, int concurrency)
    {
        var watch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var n = 0L;
            while (watch.Elapsed < duration)
            {
                using var response = await http.GetAsync(path);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
                n++;
            }
            return n;
        }));
        return (counts.Sum() / watch.Elapsed.TotalSeconds, counts.Sum());
    }
}
