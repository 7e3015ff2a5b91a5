using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.EdgeFunction.Tests.Rollout;

public sealed class ReplayEngineTests
{
    static Stream Fixture(string name) => File.OpenRead(Path.Combine(RecordedTrafficTests.Folder, name));

    /// <summary>The recorded rules plus the team's player site, the widgets wildcard, the renewed origin and the players' User-Agents.</summary>
    static Dictionary<string, string> Candidate()
    {
        var rules = RecordedTraffic.Rules();
        rules["o:https://player.example.net"] = "{}";
        rules["o:https://*.widgets.example.tv"] = "{}";
        rules["o:https://old.example.com"] = "{}";
        rules["ua:0"] = """{"allow":"AppleCoreMedia|ExampleTV|SamsungBrowser|Mozilla/","deny":"sqlmap|nikto|masscan"}""";
        return rules;
    }

    /// <summary>What each recorded line is, read independently of the engine.</summary>
    static List<JsonNode> Printed() =>
        [.. File.ReadAllLines(Path.Combine(RecordedTrafficTests.Folder, "report-mode.ndjson")).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!)];

    [Fact]
    public async Task The_candidate_turns_the_recorded_players_and_sites_into_passes_and_names_the_lines_enforce_would_still_block()
    {
        var replay = await ReplayEngine.ReplayAsync(Fixture("report-mode.filter-log-events.json"), Edge.Function, Candidate(), threshold: 0, Edge.Now);
        var printed = Printed();

        replay.Total.ShouldBe(printed.Count);
        // Partner lines have their secret masked, and several Origin values cannot be rebuilt: those keep their recorded outcome.
        replay.Kept.ShouldBe(printed.Count(l => l["uri"]!.GetValue<string>().StartsWith("/_p/", StringComparison.Ordinal) || l["reason"]!.GetValue<string>() == "origin-invalid"));
        replay.NowPass.ByReason["origin-expired"].Count.ShouldBe(printed.Count(l => l["reason"]!.GetValue<string>() == "origin-expired"));
        replay.NowPass.ByReason["origin-unknown"].Count.ShouldBe(printed.Count(l => l["reason"]!.GetValue<string>() == "origin-unknown" && !l["origin"]!.GetValue<string>().EndsWith(".github.io", StringComparison.Ordinal)));
        var players = printed.Count(l => l["reason"]!.GetValue<string>() == "ua-not-allowed" && l["ua"]!.GetValue<string>() is var ua
            && (ua.Contains("AppleCoreMedia", StringComparison.Ordinal) || ua.Contains("ExampleTV", StringComparison.Ordinal) || ua.Contains("SamsungBrowser", StringComparison.Ordinal)));
        replay.NowPass.ByReason["ua-not-allowed"].Count.ShouldBe(players);

        // Still denied: curl and friends without Origin, the github.io sites, the traversal, MediaTailor off its scope.
        replay.StillDenied.ByReason.Keys.ShouldBe(["origin-invalid", "origin-unknown", "secret-format", "secret-scope", "secret-unknown", "ua-denied", "ua-not-allowed", "uri-ambiguous"], ignoreOrder: true);
        replay.StillDenied.ByReason["origin-unknown"].Examples.ShouldAllBe(e => e.Origin.EndsWith(".github.io") && e.Replayed);
        replay.StillDenied.ByReason["secret-scope"].Examples.ShouldAllBe(e => !e.Replayed && e.Uri.StartsWith("/_p/*/"));
        replay.AttackLike.ShouldBe(new[] { "origin-invalid", "secret-format", "secret-unknown", "ua-denied" }.Sum(r => replay.StillDenied.ByReason[r].Count));
        replay.WouldBlock.ShouldBe(replay.StillDenied.Total - replay.AttackLike);
        replay.SafeToEnforce.ShouldBeFalse();
        replay.Verdict.ShouldStartWith($"not safe to enforce: {replay.WouldBlock} recorded requests");
        replay.BlockedLines.Count.ShouldBe(ReplayEngine.MaxBlockedLines);
        replay.BlockedLines.ShouldAllBe(b => !Reasons.AttackLike.Contains(b.Reason));
        // The named line is the event of that number in the input: its message is the request it names.
        var events = JsonNode.Parse(File.ReadAllText(Path.Combine(RecordedTrafficTests.Folder, "report-mode.filter-log-events.json")))!["events"]!.AsArray();
        var first = replay.BlockedLines[0];
        events[(int)first.Line - 1]!["message"]!.GetValue<string>().ShouldContain($"\"uri\":\"{first.Uri}\"");

        (await ReplayEngine.ReplayAsync(Fixture("report-mode.ndjson"), Edge.Function, Candidate(), threshold: replay.WouldBlock, Edge.Now)).SafeToEnforce.ShouldBeTrue();
    }

    [Fact]
    public async Task The_current_rules_replayed_deny_what_the_report_mode_log_recorded_reason_for_reason()
    {
        // Replaying the rules the log was recorded under must give back every recorded reason: the rebuild loses nothing that decides.
        var replay = await ReplayEngine.ReplayAsync(Fixture("report-mode.ndjson"), Edge.Function, RecordedTraffic.Rules(), threshold: 0, Edge.Now);
        replay.NowPass.Total.ShouldBe(0);
        var recorded = Printed().GroupBy(l => l["reason"]!.GetValue<string>()).ToDictionary(g => g.Key, g => (long)g.Count());
        replay.StillDenied.ByReason.ToDictionary(r => r.Key, r => r.Value.Count).ShouldBe(recorded, ignoreOrder: true);
    }

    [Fact]
    public async Task A_candidate_in_report_mode_is_replayed_as_enforce_and_one_without_cfg_denies_everything_with_reason_cfg()
    {
        var log = """{"allowlist":"report","reason":"origin-unknown","uri":"/a.ts","origin":"https://new.example","ua":"x"}""" + "\n";
        var report = RecordedTraffic.Rules();
        (await ReplayEngine.ReplayAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), Edge.Function, report, 0, Edge.Now)).StillDenied.ByReason.Keys.ShouldBe(["origin-unknown"]);
        report.Remove("cfg");
        var none = await ReplayEngine.ReplayAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), Edge.Function, report, 0, Edge.Now);
        none.StillDenied.ByReason.Keys.ShouldBe(["cfg"]);
        none.SafeToEnforce.ShouldBeFalse();
    }
}
