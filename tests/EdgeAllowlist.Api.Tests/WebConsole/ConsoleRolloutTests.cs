using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.WebConsole;

/// <summary>The Rollout page over HTTP: the committed report-mode fixture uploaded, drawn as the API analysed it, and suggestions planned and applied through the API.</summary>
public sealed partial class ConsoleRolloutTests(ApiHost host) : IClassFixture<ApiHost>
{
    static readonly string Events = Path.Combine(RepositoryPaths.Root, "function", "rollout", "report-mode.filter-log-events.json");

    /// <summary>The API's own analysis of the fixture, to compare the page with.</summary>
    async Task<JsonNode> AnalysisAsync()
    {
        using var admin = host.Admin();
        using var response = await admin.PostAsync("/v1/rollout/analyze", new ByteArrayContent(await File.ReadAllBytesAsync(Events)));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.JsonAsync();
    }

    static async Task<string> AnalysedAsync(ConsoleClient console)
    {
        var uploaded = await console.UploadAsync("/console/rollout", "?handler=Analyze", "log", Events);
        var page = await uploaded.Content.ReadAsStringAsync();
        uploaded.StatusCode.ShouldBe(HttpStatusCode.OK, page);
        return page;
    }

    /// <summary>The data-count cells of the table marked data-testid=<paramref name="test"/>, in order.</summary>
    static List<long> Counts(string page, string test)
    {
        var start = page.IndexOf($"data-testid=\"{test}\"", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, test);
        var table = page[start..page.IndexOf("</table>", start, StringComparison.Ordinal)];
        return [.. DataCount().Matches(table).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
    }

    [Fact]
    public async Task An_uploaded_log_is_drawn_with_one_series_per_reason_and_tables_that_equal_the_APIs_analysis()
    {
        var analysis = await AnalysisAsync();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);
        var page = await AnalysedAsync(console);

        var svg = page[page.IndexOf("<svg class=\"chart\"", StringComparison.Ordinal)..];
        svg = svg[..(svg.IndexOf("</svg>", StringComparison.Ordinal) + 6)];
        var fromTimeline = analysis["timeline"]!["buckets"]!.AsArray().SelectMany(b => b!["byReason"]!.AsObject())
            .GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Sum(r => r.Value!.GetValue<long>()));
        var series = Series().Matches(svg).ToDictionary(m => m.Groups[1].Value, m => DataCount().Matches(m.Groups[2].Value).Sum(c => long.Parse(c.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        series.ShouldBe(fromTimeline, ignoreOrder: true);
        series.Keys.ShouldBe(analysis["byReason"]!.AsObject().Select(r => r.Key), ignoreOrder: true);

        var byReason = analysis["byReason"]!.AsObject();
        Counts(page, "by-reason").ShouldBe(byReason.Select(r => r.Value!.GetValue<long>()).OrderDescending());
        foreach (var (test, member) in new[] { ("top-origins", "topOrigins"), ("top-user-agents", "topUserAgents"), ("top-paths", "topPaths") })
            Counts(page, test).ShouldBe(analysis[member]!.AsArray().Select(r => r!["count"]!.GetValue<long>()), member);
        page.ShouldContain($"{analysis["total"]!.GetValue<long>()} would-be denials");
        page.ShouldNotContain("style=");
        page.ShouldNotContain("<script>");
    }

    [Fact]
    public async Task Chosen_suggestions_become_a_plan_of_the_origin_to_add_and_apply_runs_only_that_plan()
    {
        using var admin = host.Admin();
        (await admin.PostAsJsonAsync("/v1/origins", new { origin = "https://kept.example" })).EnsureSuccessStatusCode();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);
        var page = await AnalysedAsync(console);
        var patch = WebUtility.HtmlDecode(Checkbox().Matches(page).Single(m => WebUtility.HtmlDecode(m.Groups[2].Value) == "https://player.example.net").Groups[1].Value);
        JsonNode.Parse(patch)!["origins"]![0]!["origin"]!.GetValue<string>().ShouldBe("https://player.example.net");

        var planned = await console.PostAsync("/console/rollout", "?handler=Plan", ("patch", patch));
        var plan = await planned.Content.ReadAsStringAsync();
        planned.StatusCode.ShouldBe(HttpStatusCode.OK, plan);
        plan.ShouldContain("Plan: 1 to add, 0 to change, 0 to delete");
        plan.ShouldContain("<tr data-op=\"add\" data-kind=\"origin\"><td>add</td><td>origin</td><td><code>https://player.example.net</code>");
        (await admin.GetAsync("/v1/origins/https://player.example.net")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a plan writes nothing");
        var digest = PlanDigest().Match(plan).Groups[1].Value;
        digest.ShouldNotBeEmpty();

        var applied = await console.PostAsync("/console/rollout", "?handler=Apply", ("patch", patch), ("planDigest", digest));
        applied.StatusCode.ShouldBe(HttpStatusCode.Found, await applied.Content.ReadAsStringAsync());
        (await console.PageAsync("/console/rollout")).ShouldContain("Plan applied: 1 added, 0 changed, 0 deleted.");
        (await admin.GetAsync("/v1/origins/https://player.example.net")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetAsync("/v1/origins/https://kept.example")).StatusCode.ShouldBe(HttpStatusCode.OK, "the rest of the exported rules stay");

        var stale = await console.PostAsync("/console/rollout", "?handler=Apply", ("patch", patch), ("planDigest", digest));
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict, "the reviewed plan is no longer what applying would do");
        var refused = await console.PostAsync("/console/rollout", "?handler=Plan", ("patch", "{\"settings\":{\"mode\":\"off\"}}"));
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("patch: each suggestion is a desired-state fragment");
    }

    [Fact]
    public async Task Replay_of_a_candidate_rules_file_shows_the_APIs_verdict_and_the_lines_enforce_would_block()
    {
        var candidate = Path.Combine(Path.GetTempPath(), $"candidate-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(candidate, """
            {"version":1,"origins":[{"origin":"https://www.example.com"},{"origin":"https://player.example.net"}],
             "userAgents":[{"list":"allow","kind":"substring","pattern":"AppleCoreMedia"}]}
            """);
        try
        {
            using var admin = host.Admin();
            using var form = new MultipartFormDataContent
            {
                { new StringContent(await File.ReadAllTextAsync(candidate), System.Text.Encoding.UTF8, "application/json"), "rules" },
                { new ByteArrayContent(await File.ReadAllBytesAsync(Events)), "log", "log.json" },
            };
            var expected = await (await admin.PostAsync("/v1/rollout/replay?threshold=3", form)).JsonAsync();
            expected["blockedLines"]!.AsArray().Count.ShouldBeGreaterThan(0);

            using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);
            var replayed = await console.UploadAsync("/console/rollout", "?handler=Replay", [("log", Events), ("rules", candidate)], ("threshold", "3"));
            var page = await replayed.Content.ReadAsStringAsync();
            replayed.StatusCode.ShouldBe(HttpStatusCode.OK, page);
            page.ShouldContain($"data-safe=\"{(expected["safeToEnforce"]!.GetValue<bool>() ? "true" : "false")}\"");
            WebUtility.HtmlDecode(page).ShouldContain(expected["verdict"]!.GetValue<string>());
            BlockedLine().Matches(page).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                .ShouldBe(expected["blockedLines"]!.AsArray().Select(b => b!["line"]!.GetValue<long>()));

            var refused = await console.UploadAsync("/console/rollout", "?handler=Replay", [("log", Events)], ("threshold", "-1"));
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("threshold");
        }
        finally
        {
            File.Delete(candidate);
        }
    }

    [Fact]
    public async Task A_token_that_may_plan_but_not_apply_sees_the_plan_without_the_apply_button()
    {
        using var admin = host.Admin();
        var reader = await (await admin.PostAsJsonAsync("/v1/tokens", new { name = "rollout-reader", scopes = new[] { "rules:read" } })).JsonAsync();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(reader["token"]!.GetValue<string>());
        var page = await AnalysedAsync(console);
        var patch = WebUtility.HtmlDecode(Checkbox().Matches(page).First().Groups[1].Value);
        var plan = await (await console.PostAsync("/console/rollout", "?handler=Plan", ("patch", patch))).Content.ReadAsStringAsync();
        plan.ShouldContain("data-testid=\"plan\"");
        plan.ShouldNotContain("Apply this plan");
        plan.ShouldContain("Applying needs rules:write");
    }

    [Fact]
    public async Task A_token_without_rules_read_has_no_Rollout_entry_and_the_page_answers_403()
    {
        using var admin = host.Admin();
        var auditor = await (await admin.PostAsJsonAsync("/v1/tokens", new { name = "rollout-auditor", scopes = new[] { "audit:read" } })).JsonAsync();
        using var console = await new ConsoleClient(host.BaseAddress).SignedInAsync(auditor["token"]!.GetValue<string>());
        (await console.PageAsync("/console")).ShouldNotContain("href=\"/console/rollout\"");
        var page = await console.GetAsync("/console/rollout");
        page.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await page.Content.ReadAsStringAsync()).ShouldNotContain("Analyse a log");
        var upload = await console.UploadAsync("/console/rollout", "?handler=Analyze", "log", Events, tokenFrom: "/console");
        upload.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await upload.Content.ReadAsStringAsync()).ShouldNotContain("would-be denials");

        using var reader = await new ConsoleClient(host.BaseAddress).SignedInAsync(host.AdminToken);
        (await reader.PageAsync("/console")).ShouldContain("href=\"/console/rollout\"");
    }

    [GeneratedRegex("<g class=\"series\" data-reason=\"([^\"]+)\"[^>]*>(.*?)</g>", RegexOptions.Singleline)]
    private static partial Regex Series();

    [GeneratedRegex("data-count=\"(\\d+)\"")]
    private static partial Regex DataCount();

    [GeneratedRegex("name=\"patch\" value=\"([^\"]+)\" data-value=\"([^\"]*)\"")]
    private static partial Regex Checkbox();

    [GeneratedRegex("<tr data-line=\"(\\d+)\"")]
    private static partial Regex BlockedLine();

    [GeneratedRegex("name=\"planDigest\" value=\"([^\"]+)\"")]
    private static partial Regex PlanDigest();
}
