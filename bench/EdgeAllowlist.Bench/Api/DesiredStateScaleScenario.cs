using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Bench.Api;

/// <summary>
/// Desired state at scale, the API as a process on its embedded store and SQLite: plan time for
/// 20,000 and 40,000 origins (the ratio shows whether it grows linearly), a bulk add of 20,000
/// against the CLI's apply sequence (plan, then apply with If-Match) for 20,000 more, and with
/// <c>full</c> a store of 150,000 origins exported, planned and applied.
/// </summary>
public sealed class DesiredStateScaleScenario : IScenario
{
    public string Name => "desired-state-scale";

    public string Description => "plan 40k / plan 20k, CLI apply 20k / bulk 20k, [full] export/plan/apply of 150,000 origins (embedded store, SQLite)";

    public async Task<int> RunAsync(string[] args)
    {
        var full = args.Contains("full");
        var data = Directory.CreateTempSubdirectory("edge-allowlist-bench-ds-").FullName;
        var token = ApiSettings.NewAdminToken();
        await using var api = await ApiProcess.StartAsync(ApiSettings.Embedded(data, token));
        try
        {
            using var http = api.Client(token);
            http.Timeout = TimeSpan.FromMinutes(20);

            BenchProgress.Step("plans of 20,000 and 40,000 origins");
            var plan20 = await TimeAsync(() => PlanAsync(http, Document(Names("p", 20_000))));
            var plan40 = await TimeAsync(() => PlanAsync(http, Document(Names("p", 40_000))));
            Console.WriteLine($"plan of 20,000 origins (all new)       {plan20.TotalSeconds,8:F2} s");
            Console.WriteLine($"plan of 40,000 origins (all new)       {plan40.TotalSeconds,8:F2} s");
            Console.WriteLine($"ratio 40k / 20k                        {plan40 / plan20,8:F2}   (goal <= 2.3)");

            var bulkNames = Names("b", 20_000);
            BenchProgress.Step("the bulk route and the CLI-style apply of 20,000 origins");
            var bulk = await TimeAsync(async () =>
                (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins = bulkNames.Select(o => new { origin = o }) })).EnsureSuccessStatusCode());
            var applyDocument = Document([.. bulkNames, .. Names("a", 20_000)]);
            var apply = await TimeAsync(() => CliApplyAsync(http, applyDocument));
            Console.WriteLine($"bulk add of 20,000 origins             {bulk.TotalSeconds,8:F2} s");
            Console.WriteLine($"CLI apply (plan + apply) of 20,000 new {apply.TotalSeconds,8:F2} s");
            Console.WriteLine($"ratio apply / bulk                     {apply / bulk,8:F2}   (goal <= 2)");

            if (full)
            {
                // Short names: 150,000 origins must fit the store's 5 MB with their "{}" values.
                for (var start = 40_000; start < 150_000; start += 20_000)
                {
                    var chunk = Enumerable.Range(start, Math.Min(20_000, 150_000 - start)).Select(i => new { origin = $"https://f{i}.io" });
                    (await http.PostAsJsonAsync("/v1/origins/bulk", new { origins = chunk })).EnsureSuccessStatusCode();
                }
                var exportWatch = Stopwatch.StartNew();
                BenchProgress.Step("export, plan and apply at full scale");
                var exportResponse = await http.GetAsync("/v1/desired-state");
                var exported = JsonNode.Parse(await exportResponse.Content.ReadAsStringAsync())!;
                Console.WriteLine($"export of {exported["origins"]!.AsArray().Count:N0} origins: {(int)exportResponse.StatusCode}, {exportWatch.Elapsed.TotalSeconds:F2} s");
                var planWatch = Stopwatch.StartNew();
                var planResponse = await http.PostAsync("/v1/desired-state/plan", Json(exported));
                Console.WriteLine($"plan of that export: {(int)planResponse.StatusCode}, {planWatch.Elapsed.TotalSeconds:F2} s");
                var applyWatch = Stopwatch.StartNew();
                var applyResponse = await http.PostAsync("/v1/desired-state/apply", Json(exported));
                Console.WriteLine($"apply of that export: {(int)applyResponse.StatusCode}, {applyWatch.Elapsed.TotalSeconds:F2} s");
            }
            return 0;
        }
        finally
        {
            await api.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>What <c>edge-allowlist rules apply</c> sends: the plan, then the apply of exactly that plan.</summary>
    static async Task CliApplyAsync(HttpClient http, JsonObject document)
    {
        var plan = await PlanAsync(http, document);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/desired-state/apply?force=true") { Content = Json(document) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{plan["planDigest"]!.GetValue<string>()}\"");
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
    }

    static async Task<JsonNode> PlanAsync(HttpClient http, JsonObject document)
    {
        var response = await http.PostAsync("/v1/desired-state/plan", Json(document));
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    static StringContent Json(JsonNode document) => new(document.ToJsonString(), System.Text.Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    static JsonObject Document(IEnumerable<string> origins) => new()
    {
        ["version"] = 1,
        ["origins"] = new JsonArray([.. origins.Select(o => (JsonNode)new JsonObject { ["origin"] = o })]),
    };

    static List<string> Names(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"https://{prefix}{i:D6}.bench.example"))];

    static async Task<TimeSpan> TimeAsync(Func<Task> run)
    {
        var watch = Stopwatch.StartNew();
        await run();
        return watch.Elapsed;
    }
}
