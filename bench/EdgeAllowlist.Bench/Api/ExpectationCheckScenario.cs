using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Bench.Api;

/// <summary>
/// What checking the expectations adds to a write (issue 19): the API as a process on its embedded
/// store and SQLite, with 50 allowed origins, User-Agent rules and a partner secret (so the built-in
/// expectations are there too), times single writes with 0, 200 and 1,000 admin expectations, each
/// write alone (a pause before it, as an admin's writes come, so nothing of the previous one is still
/// in flight), after unmeasured warm-up writes. Two writes: an origin's expiry changed (keys few
/// expectations read) and a settings change that rewrites <c>cfg</c> to a value never seen before (a new
/// public path no probe asks for: a key every expectation reads, so every one runs again: the worst case). The added cost is the p95 with N
/// minus the p95 with 0.
/// </summary>
public sealed class ExpectationCheckScenario : IScenario
{
    const string Firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0";
    const string AppleCoreMedia = "AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)";
    const int WarmUpWrites = 10;

    public string Name => "expectations-check";

    public string Description => "p50/p95 of a single write (origin, settings) with 0, 200 and 1,000 expectations checked through the function [writes=40] [pause-ms=1100]";

    public async Task<int> RunAsync(string[] args)
    {
        var writes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        var pause = TimeSpan.FromMilliseconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1100);
        var data = Directory.CreateTempSubdirectory("edge-allowlist-bench-exp-").FullName;
        var token = ApiSettings.NewAdminToken();
        await using var api = await ApiProcess.StartAsync(ApiSettings.Embedded(data, token));
        try
        {
            using var http = api.Client(token);
            BenchProgress.Step("50 origins, User-Agent rules and a partner secret");
            var origins = Enumerable.Range(0, 50).Select(i => $"https://site{i:D2}.bench.example").ToList();
            (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins = origins.Select(o => new { origin = o }) })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/user-agents", new { list = "allow", kind = "contains", pattern = "Mozilla/5.0" })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/user-agents", new { list = "allow", kind = "contains", pattern = "AppleCoreMedia" })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/partners", new { id = "mediatailor", scope = "manifests" })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/partners/mediatailor/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" })).EnsureSuccessStatusCode();

            var builtIns = await CountAsync(http);
            Console.WriteLine($"built-in expectations checked on every write: {builtIns} (each run below includes them); {writes} writes of each kind per row, {pause.TotalMilliseconds:F0} ms apart");
            var step = 0;
            async Task<double> OriginWriteAsync()
            {
                await Task.Delay(pause);
                var expires = DateTimeOffset.UtcNow.AddDays(30).AddMinutes(++step);
                var watch = Stopwatch.StartNew();
                (await http.PatchAsJsonAsync($"/v1/origins/{origins[step % origins.Count]}", new { expiresAt = expires })).EnsureSuccessStatusCode();
                return watch.Elapsed.TotalMilliseconds;
            }
            async Task<double> SettingsWriteAsync()
            {
                await Task.Delay(pause);
                // A cfg never seen before (a public path no probe asks for), so no kept result can stand on it.
                var publicPaths = new[] { $"/bench-public-{++step}/" };
                var watch = Stopwatch.StartNew();
                (await http.PatchAsJsonAsync("/v1/settings", new { publicPaths })).EnsureSuccessStatusCode();
                return watch.Elapsed.TotalMilliseconds;
            }

            BenchProgress.Step("warm-up");
            for (var i = 0; i < WarmUpWrites; i++)
            {
                await OriginWriteAsync();
                await SettingsWriteAsync();
            }

            Console.WriteLine($"{"admin expectations",-20} {"write",-10} {"p50 ms",8} {"p95 ms",8} {"added p95 ms",13} {"p95 ratio",10}");
            var baseline = new Dictionary<string, double>();
            var added = 0;
            foreach (var count in new[] { 0, 200, 1000 })
            {
                BenchProgress.Step($"{count} admin expectations");
                for (; added < count; added++)
                {
                    // Half browsers on the allowed origins, half native players without Origin: both pass.
                    var headers = added % 2 == 0
                        ? new Dictionary<string, string> { ["origin"] = origins[added % origins.Count], ["user-agent"] = Firefox }
                        : new Dictionary<string, string> { ["user-agent"] = AppleCoreMedia };
                    (await http.PostAsJsonAsync("/v1/expectations", new { name = $"bench-{added:D4}", request = new { uri = $"/live/{added}/index.m3u8", headers }, expect = "pass" }))
                        .EnsureSuccessStatusCode();
                }
                var times = new Dictionary<string, List<double>> { ["origin"] = [], ["settings"] = [] };
                for (var i = 0; i < writes; i++)
                {
                    times["origin"].Add(await OriginWriteAsync());
                    times["settings"].Add(await SettingsWriteAsync());
                }
                foreach (var (kind, measured) in times)
                {
                    measured.Sort();
                    var p50 = measured[measured.Count / 2];
                    var p95 = measured[(int)Math.Ceiling(measured.Count * 0.95) - 1];
                    var zero = baseline.TryAdd(kind, p95) ? p95 : baseline[kind];
                    Console.WriteLine($"{count,-20} {kind,-10} {p50,8:F1} {p95,8:F1} {p95 - zero,13:F1} {p95 / zero,10:F2}{(count == 200 ? "   (goal: added <= 100)" : "")}");
                }
            }
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    static async Task<int> CountAsync(HttpClient http)
    {
        var list = await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/v1/expectations");
        return list!["items"]!.AsArray().Count;
    }
}
