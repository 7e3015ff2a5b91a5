using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;
using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.Cli.Tests.Commands.Rollout;

public sealed class RolloutCommandsTests : IDisposable
{
    static readonly string Folder = Path.Combine(RepositoryPaths.Root, "function", "rollout");
    static readonly string Events = Path.Combine(Folder, "report-mode.filter-log-events.json");
    static readonly string Ndjson = Path.Combine(Folder, "report-mode.ndjson");
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    readonly string work = Directory.CreateTempSubdirectory("ea-rollout-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    [Fact]
    public async Task Analyze_with_output_json_prints_exactly_the_engines_document()
    {
        var run = await CliRun.RunAsync("rollout", "analyze", Events, "-o", "json");
        run.ExitCode.ShouldBe(0, run.Error);
        await using var file = File.OpenRead(Events);
        var expected = await RolloutAnalyzer.AnalyzeAsync(file, RolloutRules.Instance);
        run.Out.TrimEnd().ShouldBe(JsonSerializer.Serialize(expected, Json));
        run.Json["total"]!.GetValue<long>().ShouldBe(File.ReadLines(Ndjson).Count(l => l.StartsWith('{')));
    }

    [Fact]
    public async Task Analyze_from_cloudwatch_reads_the_functions_log_group_page_by_page_and_gives_the_document_of_the_same_log_as_a_file()
    {
        await using var fake = await FakeCloudWatchLogs.StartAsync();
        fake.PageSize = 300;
        fake.Seed("/aws/cloudfront/function/edge-allowlist", FakeCloudWatchLogs.FixtureEvents());
        var run = await CliRun.RunAsync("rollout", "analyze", "--cloudwatch", "edge-allowlist", "--since", "2026-11-30T00:00:00Z", "--until", "2026-12-01T00:00:00Z",
            "--logs-endpoint", fake.Endpoint.ToString(), "-o", "json");
        run.ExitCode.ShouldBe(0, run.Error);
        var fromFile = await CliRun.RunAsync("rollout", "analyze", Events, "-o", "json");
        run.Out.ShouldBe(fromFile.Out);
        fake.Requests.Count.ShouldBeGreaterThan(3);
        fake.SignatureProblems.ShouldBeEmpty();

        var missing = await CliRun.RunAsync("rollout", "analyze", "--cloudwatch", "other", "--logs-endpoint", fake.Endpoint.ToString());
        missing.ExitCode.ShouldBe(2);
        missing.Error.ShouldContain("ResourceNotFoundException");
    }

    [Fact]
    public async Task The_committed_rules_replayed_give_back_every_recorded_reason_so_the_fixture_and_its_rules_belong_together()
    {
        var run = await CliRun.RunAsync("rollout", "replay", "--rules", Path.Combine(Folder, "rules.yaml"), Ndjson, "-o", "json");
        var replay = run.Json;
        replay["nowPass"]!["total"]!.GetValue<long>().ShouldBe(0);
        var recorded = File.ReadLines(Ndjson).Where(l => l.StartsWith('{')).GroupBy(l => JsonNode.Parse(l)!["reason"]!.GetValue<string>()).ToDictionary(g => g.Key, g => (long)g.Count());
        replay["stillDenied"]!["byReason"]!.AsObject().ToDictionary(r => r.Key, r => r.Value!["count"]!.GetValue<long>()).ShouldBe(recorded, ignoreOrder: true);
        run.ExitCode.ShouldBe(RolloutCommandsExitCodes.NotSafe);
    }

    [Fact]
    public async Task Suggestions_go_into_the_rules_file_replay_shows_what_they_fix_and_a_second_round_makes_enforce_safe()
    {
        var rules = Path.Combine(work, "rules.yaml");
        File.Copy(Path.Combine(Folder, "rules.yaml"), rules);
        var analyze = await CliRun.RunAsync("rollout", "analyze", Ndjson, "--into", rules);
        analyze.ExitCode.ShouldBe(0, analyze.Error);
        analyze.Out.ShouldContain("added 9 suggestions"); // docs/cli.md's walk-through
        analyze.Out.ShouldContain("ua-not-allowed");
        analyze.Out.ShouldContain("add origin https://player.example.net");
        analyze.Out.ShouldContain("allow origin https://*.widgets.example.tv");
        var text = await File.ReadAllTextAsync(rules);
        text.ShouldContain("origin: https://player.example.net");
        text.ShouldContain("pattern: AppleCoreMedia");
        text.ShouldContain("note: our site"); // the rest of the file is kept
        text.ShouldNotContain("2026-01-01"); // the expired origin is renewed

        var replay = await CliRun.RunAsync("rollout", "replay", "--rules", rules, Events);
        replay.ExitCode.ShouldBe(RolloutCommandsExitCodes.NotSafe);
        replay.Out.ShouldContain("now passes");
        // The suggested origins let the browsers in: allow rules are for requests without Origin (issue 18).
        replay.Out.ShouldContain("not safe to enforce: 47 recorded requests that are not attack-like would be blocked (threshold 0), first line 20: uri-ambiguous");

        // Drop the github.io sites, and allow the native players left (a Mozilla/ allow rule admits the smart-TV players without Origin).
        var document = File.ReadAllText(rules);
        document = document.Insert(document.IndexOf("- list: allow", StringComparison.Ordinal), "- list: allow\n  kind: substring\n  pattern: Mozilla/\n");
        foreach (var site in new[] { "watch-now", "free-tv", "streamz" })
            document = document.Replace($"- origin: https://{site}.github.io\n", "", StringComparison.Ordinal);
        await File.WriteAllTextAsync(rules, document);
        var json = await CliRun.RunAsync("rollout", "replay", "--rules", rules, Events, "-o", "json");
        json.Error.ShouldBeEmpty();
        var result = json.Json;
        var wouldBlock = result["wouldBlock"]!.GetValue<long>();
        wouldBlock.ShouldBe(62);
        result["stillDenied"]!["byReason"]!["secret-scope"]!["count"]!.GetValue<long>().ShouldBe(5);
        result["blockedLines"]!.AsArray().ShouldAllBe(l => l!["reason"]!.GetValue<string>() != "ua-denied");
        var within = await CliRun.RunAsync("rollout", "replay", "--rules", rules, Events, "--threshold", wouldBlock.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "json");
        within.ExitCode.ShouldBe(0, within.Out);
        within.Json["safeToEnforce"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Wrong_input_is_exit_code_1_naming_what_to_fix()
    {
        (await CliRun.RunAsync("rollout", "analyze")).Error.ShouldContain("NoLog");
        (await CliRun.RunAsync("rollout", "analyze", Events, "--cloudwatch", "x")).ExitCode.ShouldBe(1);
        (await CliRun.RunAsync("rollout", "analyze", Path.Combine(work, "none.ndjson"))).Error.ShouldContain("NoSuchFile");
        (await CliRun.RunAsync("rollout", "analyze", Events, "--since", "yesterday")).Error.ShouldContain("InvalidWindow");
        var bad = Path.Combine(work, "bad.yaml");
        await File.WriteAllTextAsync(bad, "version: 1\norigins:\n- origin: https://*.co.uk\n");
        var invalid = await CliRun.RunAsync("rollout", "replay", "--rules", bad, Events, "-o", "json");
        invalid.ExitCode.ShouldBe(1);
        invalid.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("rules.origins[0].origin");
    }
}

static class RolloutCommandsExitCodes
{
    public const int NotSafe = Cli.Commands.Rollout.RolloutCommands.NotSafe;
}

/// <summary>The CLI and the API answer one document for one log: the same engine, the same rules, the same JSON.</summary>
public sealed class RolloutCliMatchesApiTests(Fixtures.AdminApiHost api) : IClassFixture<Fixtures.AdminApiHost>
{
    [Fact]
    public async Task Analyze_and_replay_print_the_documents_the_api_routes_answer()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "function", "rollout");
        var log = Path.Combine(folder, "report-mode.filter-log-events.json");
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", api.AdminToken);

        using var analyzed = await http.PostAsync("/v1/rollout/analyze", new StreamContent(File.OpenRead(log)) { Headers = { ContentType = new("application/json") } });
        var cli = await CliRun.RunAsync("rollout", "analyze", log, "-o", "json");
        JsonNode.DeepEquals(JsonNode.Parse(await analyzed.Content.ReadAsStringAsync()), cli.Json).ShouldBeTrue();

        var rules = Path.Combine(folder, "rules.yaml");
        var form = new MultipartFormDataContent
        {
            { new StringContent(JsonSerializer.Serialize(await DesiredStateFile.ReadAsync(rules, default)), System.Text.Encoding.UTF8, "application/json"), "rules" },
            { new StreamContent(File.OpenRead(log)), "log", "log.json" },
        };
        using var replayed = await http.PostAsync("/v1/rollout/replay", form);
        var cliReplay = await CliRun.RunAsync("rollout", "replay", "--rules", rules, log, "-o", "json");
        JsonNode.DeepEquals(JsonNode.Parse(await replayed.Content.ReadAsStringAsync()), cliReplay.Json).ShouldBeTrue();
    }
}
