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

    public string Description => "authenticated GET /v1/origins?limit=100 vs /healthz, requests/s at concurrency 16 [seconds=10] [concurrency=16]";

    public async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
        var data = Directory.CreateTempSubdirectory("edge-allowlist-bench-auth-").FullName;
        var token = ApiSettings.NewAdminToken();
        await using var api = await ApiProcess.StartAsync(ApiSettings.Embedded(data, token));
        try
        {
            using var http = api.Client(token);
            (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins = Enumerable.Range(0, 150).Select(i => new { origin = $"https://r{i:D3}.read.bench.example" }) })).EnsureSuccessStatusCode();

            // Warm both paths (JIT, pools), then measure each for the same time.
            await RunAsync(http, "/healthz", TimeSpan.FromSeconds(2), concurrency);
            await RunAsync(http, "/v1/origins?limit=100", TimeSpan.FromSeconds(2), concurrency);
            var health = await RunAsync(http, "/healthz", TimeSpan.FromSeconds(seconds), concurrency);
            var origins = await RunAsync(http, "/v1/origins?limit=100", TimeSpan.FromSeconds(seconds), concurrency);
            Console.WriteLine($"/healthz                          {health,10:F0} requests/s");
            Console.WriteLine($"GET /v1/origins?limit=100 (token) {origins,10:F0} requests/s");
            Console.WriteLine($"ratio                             {origins / health,10:P0}   (goal >= 40 %)");
            return 0;
        }
        finally
        {
            await api.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    static async Task<double> RunAsync(HttpClient http, string path, TimeSpan duration, int concurrency)
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
        return counts.Sum() / watch.Elapsed.TotalSeconds;
    }
}
