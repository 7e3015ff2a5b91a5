using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Bench.Api;

/// <summary>
/// What checking the expectations adds to a write (issue 19): the API as a process on its embedded
/// store and SQLite, with 50 allowed origins, User-Agent rules and a partner secret (so the built-in
/// expectations are there too), times single writes (an origin's expiry changed, one round trip each)
/// with 0, 200 and 1,000 admin expectations. The added cost is the p95 with N minus the p95 with 0.
/// </summary>
public sealed class ExpectationCheckScenario : IScenario
{
    const string Firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0";
    const string AppleCoreMedia = "AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)";

    public string Name => "expectations-check";

    public string Description => "p50/p95 of a single write with 0, 200 and 1,000 expectations checked through the function [writes=100]";

    public async Task<int> RunAsync(string[] args)
    {
        var writes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var data = Directory.CreateTempSubdirectory("edge-allowlist-bench-exp-").FullName;
        var token = ApiSettings.NewAdminToken();
        await using var api = await ApiProcess.StartAsync(ApiSettings.Embedded(data, token));
        try
        {
            using var http = api.Client(token);
            BenchProgress.Step("50 origins, User-Agent rules and a partner secret");
            var origins = Enumerable.Range(0, 50).Select(i => $"https://site{i:D2}.bench.example").ToList();
            (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins = origins.Select(o => new { origin = o }) })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "Mozilla/5.0" })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/user-agents", new { list = "allow", kind = "substring", pattern = "AppleCoreMedia" })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/partners", new { id = "mediatailor", scope = "manifests" })).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync("/v1/partners/mediatailor/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" })).EnsureSuccessStatusCode();

            var builtIns = await CountAsync(http);
            Console.WriteLine($"built-in expectations checked on every write: {builtIns} (each run below includes them)");
            Console.WriteLine($"{"admin expectations",-20} {"p50 ms",8} {"p95 ms",8} {"added p95 ms",13}");
            double? baseline = null;
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
                var times = new List<double>();
                for (var i = 0; i < writes; i++)
                {
                    var expires = DateTimeOffset.UtcNow.AddDays(30).AddMinutes(i + count);
                    var watch = Stopwatch.StartNew();
                    (await http.PatchAsJsonAsync($"/v1/origins/{origins[i % origins.Count]}", new { expiresAt = expires })).EnsureSuccessStatusCode();
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                var p50 = times[times.Count / 2];
                var p95 = times[(int)Math.Ceiling(times.Count * 0.95) - 1];
                baseline ??= p95;
                Console.WriteLine($"{count,-20} {p50,8:F1} {p95,8:F1} {p95 - baseline,13:F1}{(count == 200 ? "   (goal <= 100)" : "")}");
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
