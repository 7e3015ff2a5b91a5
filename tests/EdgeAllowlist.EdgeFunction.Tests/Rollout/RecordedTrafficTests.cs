namespace EdgeAllowlist.EdgeFunction.Tests.Rollout;

/// <summary>
/// The committed fixtures are the real function's output over <see cref="RecordedTraffic"/>, not
/// hand-written: this fails when either drifts. Regenerate with
/// <c>EDGE_ALLOWLIST_UPDATE_FIXTURES=1 dotnet test tests/EdgeAllowlist.EdgeFunction.Tests --filter RecordedTraffic</c>.
/// </summary>
public sealed class RecordedTrafficTests
{
    public static readonly string Folder = Path.Combine(RepositoryPaths.Root, "function", "rollout");

    [Fact]
    public void The_committed_fixtures_equal_a_fresh_report_mode_run_of_the_function_over_the_recorded_traffic()
    {
        var lines = RecordedTraffic.Record();
        var files = new Dictionary<string, string>
        {
            ["report-mode.ndjson"] = RecordedTraffic.Ndjson(lines),
            ["report-mode.filter-log-events.json"] = RecordedTraffic.FilterLogEvents(lines),
        };
        if (Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_UPDATE_FIXTURES") == "1")
            foreach (var (name, text) in files)
                File.WriteAllText(Path.Combine(Folder, name), text);
        foreach (var (name, text) in files)
            File.ReadAllText(Path.Combine(Folder, name)).ReplaceLineEndings("\n").ShouldBe(text, $"function/rollout/{name} is not what the function writes now; regenerate it (see this test's summary).");
        // Every kind of traffic left its mark: the fixture is mixed, not one reason repeated.
        lines.Select(l => System.Text.Json.Nodes.JsonNode.Parse(l.Line)!["reason"]!.GetValue<string>()).Distinct().Count().ShouldBeGreaterThanOrEqualTo(9);
    }
}
