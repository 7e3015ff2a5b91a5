using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;
using Xunit.Abstractions;

namespace EdgeAllowlist.Api.Tests.UserAgents;

/// <summary>
/// The adversarial proof of linear-time User-Agent rules: every pattern of the ReDoS corpus
/// (tests/interop/redos/corpus.json) goes through the real POST /v1/user-agents; whatever the API
/// accepts is taken from the store as the shard source the function would run and matched under
/// Node (V8, a backtracking engine) against generated 8 KB attack strings by tests/interop/redos/check.cjs,
/// which times each match and returns the verdict this test asserts.
/// </summary>
public sealed class ReDoSCorpusTests(ApiHost host, ITestOutputHelper output) : IClassFixture<ApiHost>
{
    static readonly string RedosFolder = Path.Combine(RepositoryPaths.Root, "tests", "interop", "redos");

    IKeyValueStore Store => host.Service<IKeyValueStore>();

    [Fact]
    public async Task Every_corpus_pattern_is_refused_or_stored_as_a_shard_that_matches_8_KB_under_node_within_5_ms()
    {
        var corpus = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RedosFolder, "corpus.json")))!.AsArray()
            .Select(e => e!["pattern"]!.GetValue<string>()).ToList();
        corpus.Count.ShouldBeGreaterThanOrEqualTo(200);
        corpus.ShouldBeUnique();
        using var admin = host.Admin();
        var accepted = new List<(string Pattern, string Source)>();
        var refusals = new Dictionary<string, int>();
        foreach (var pattern in corpus)
        {
            var etag = (await Store.DescribeAsync()).ETag;
            var response = await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "regex", pattern });
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
                problem.ErrorFields().ShouldContain("pattern", pattern);
                (await Store.DescribeAsync()).ETag.ShouldBe(etag, pattern);
                var reason = problem.ToJsonString();
                refusals[Construct(reason)] = refusals.GetValueOrDefault(Construct(reason)) + 1;
                continue;
            }
            var rule = await response.JsonAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, $"{pattern}: {rule.ToJsonString()}");
            AsWritten(rule).ShouldBe(pattern);
            var shard = JsonNode.Parse((await Store.GetAsync("ua:0"))!.Value)!;
            accepted.Add((pattern, shard["deny"]!.GetValue<string>()));
            (await admin.DeleteAsync($"/v1/user-agents/deny/{rule.Text("id")}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        // Then as many of them together as the eight shards hold, the way the function reads them.
        foreach (var (pattern, _) in accepted)
            if ((await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "regex", pattern })).StatusCode != HttpStatusCode.Created)
                break;
        var items = await Store.ListAllAsync();
        var shards = Enumerable.Range(0, 8).Where(n => items.ContainsKey($"ua:{n}"))
            .Select(n => JsonNode.Parse(items[$"ua:{n}"])!["deny"]!.GetValue<string>()).ToList();

        var verdict = await CheckUnderNodeAsync([
            .. accepted.Select(a => new { pattern = a.Pattern, source = a.Source, combined = false }),
            .. shards.Select(s => new { pattern = s, source = s, combined = true })]);
        output.WriteLine($"corpus {corpus.Count}: accepted {accepted.Count}, refused {corpus.Count - accepted.Count}; " +
                         $"combined shards {shards.Count}; under Node: {verdict["checked"]} sources, {verdict["strings"]} attack strings, " +
                         $"{verdict["matches"]} matches, max {verdict["maxMs"]} ms per match (bound {verdict["boundMs"]} ms), slowest {verdict["slowest"]?.ToJsonString()}");
        foreach (var (construct, count) in refusals.OrderByDescending(r => r.Value))
            output.WriteLine($"  refused {count}: {construct}");
        verdict["checked"]!.GetValue<int>().ShouldBe(accepted.Count + shards.Count);
        verdict["failures"]!.AsArray().ShouldBeEmpty(verdict["failures"]!.ToJsonString());
        verdict["disagreements"]!.AsArray().ShouldBeEmpty(verdict["disagreements"]!.ToJsonString());
        // The issue's own examples: refused, or accepted only in a form proven above.
        foreach (var example in (string[])[@"abcdefghijklmnopqrstuvwxy|(Z|\x5a)+$", "[\\s\\S]*[\\s\\S]*[\\s\\S]*x", "(?:a{1,1000}){1000}", "(a+)+$", "(a|a)*$", "(a|aa)+$", @"\s+$", "(.*a){20}", @"(\w+\s?)+$"])
            accepted.ShouldNotContain(a => a.Pattern == example);
    }

    /// <summary>The regex a rule reads back as: a regex of literal characters only is listed as the substring it equals.</summary>
    internal static string AsWritten(JsonNode rule) => rule.Text(rule.Text("kind") == "substring" ? "regex" : "pattern");

    /// <summary>The construct a refusal names, for the counts in the test output: the text after "pattern".</summary>
    static string Construct(string problem)
    {
        var message = JsonNode.Parse(problem)!["errors"]?.AsArray().Select(e => e?["reason"]?.GetValue<string>() ?? e?.ToJsonString()).FirstOrDefault() ?? problem;
        var cut = message.IndexOf('(', StringComparison.Ordinal);
        return cut > 0 ? message[..cut].Trim() : message;
    }

    internal static async Task<JsonNode> CheckUnderNodeAsync(IEnumerable<object> entries)
    {
        var input = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(input, JsonSerializer.Serialize(entries));
            var start = new ProcessStartInfo("node", ["check.cjs", input]) { WorkingDirectory = RedosFolder, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.ShouldBe(0, await stderr);
            return JsonNode.Parse(await stdout)!;
        }
        finally
        {
            File.Delete(input);
        }
    }
}

/// <summary>Patterns real deployments use for players and devices: the subset must keep them, and they decide real User-Agents.</summary>
public sealed class PracticalUserAgentPatternTests(ApiHost host, ITestOutputHelper output) : IClassFixture<ApiHost>
{
    public static readonly TheoryData<string, string> Practical = new()
    {
        { "AppleCoreMedia", "AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)" },
        { "ExoPlayer", "ExoPlayerLib/2.19.1 (Linux; Android 14) ExoPlayer" },
        { "^Roku/", "Roku/DVP-13.0 (13.0.0.4165-88)" },
        { @"Mozilla/5\.0 \(SMART-TV", "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) 94.0.4606.31/7.0 TV Safari/537.36" },
        { "(iPhone|iPad).*AppleWebKit", "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148" },
        { "stagefright/[0-9.]+", "stagefright/1.2 (Linux;Android 5.0)" },
        { @"Dalvik/\d+\.\d+", "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230901.001)" },
    };

    IKeyValueStore Store => host.Service<IKeyValueStore>();

    [Fact]
    public async Task Patterns_used_in_practice_are_accepted_decide_real_user_agents_and_stay_fast_under_node()
    {
        using var admin = host.Admin();
        await admin.PostJsonAsync("/v1/origins", new { origin = "https://practical.example.com" });
        var sources = new List<object>();
        foreach (var (pattern, userAgent) in Practical.Select(p => ((string)p[0], (string)p[1])))
        {
            var response = await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "regex", pattern });
            var rule = await response.JsonAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, $"{pattern}: {rule.ToJsonString()}");
            ReDoSCorpusTests.AsWritten(rule).ShouldBe(pattern);
            var decision = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://practical.example.com", ["user-agent"] = userAgent });
            decision.Text("reason").ShouldBe("ua-denied", pattern);
            var browser = await admin.SimulateAsync("/index.m3u8", new() { ["origin"] = "https://practical.example.com", ["user-agent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0" });
            browser.Text("action").ShouldBe("pass", pattern);
            sources.Add(new { pattern, source = JsonNode.Parse((await Store.GetAsync("ua:0"))!.Value)!["deny"]!.GetValue<string>(), combined = false });
            (await admin.DeleteAsync($"/v1/user-agents/deny/{rule.Text("id")}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        var verdict = await ReDoSCorpusTests.CheckUnderNodeAsync(sources);
        output.WriteLine($"practical: {verdict["checked"]} patterns, {verdict["matches"]} matches, max {verdict["maxMs"]} ms per match");
        verdict["failures"]!.AsArray().ShouldBeEmpty(verdict["failures"]!.ToJsonString());
        verdict["disagreements"]!.AsArray().ShouldBeEmpty(verdict["disagreements"]!.ToJsonString());
    }
}
