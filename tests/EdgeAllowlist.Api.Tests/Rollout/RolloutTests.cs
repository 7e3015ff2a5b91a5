using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Rollout;

/// <summary>The rollout routes through Kestrel, on the committed report-mode fixtures (function/rollout/, made by the real function).</summary>
public sealed class RolloutTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    static readonly string Folder = Path.Combine(RepositoryPaths.Root, "function", "rollout");

    static string FixturePath(string name) => Path.Combine(Folder, name);

    /// <summary>The function's lines of the fixture, parsed here, independently of the engine.</summary>
    static List<JsonNode> Printed() =>
        [.. File.ReadAllLines(FixturePath("report-mode.ndjson")).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!)];

    static string Reason(JsonNode line) => line["reason"]!.GetValue<string>();

    /// <summary>A file as a streamed body of unknown length (chunked), as an upload of a large log is sent.</summary>
    static StreamContent Upload(string name, string contentType)
    {
        var content = new StreamContent(File.OpenRead(FixturePath(name)));
        content.Headers.ContentType = new(contentType);
        return content;
    }

    static MultipartFormDataContent Replay(object rules, HttpContent log)
    {
        var form = new MultipartFormDataContent();
        form.Add(new StringContent(System.Text.Json.JsonSerializer.Serialize(rules, HttpHelpers.Json), Encoding.UTF8, "application/json"), "rules");
        form.Add(log, "log", "log.ndjson");
        return form;
    }

    /// <summary>The rules the fixture was recorded under, with the analysis' suggestions taken.</summary>
    static object Candidate(params object[] extraUserAgents) => new
    {
        version = 1,
        origins = new object[]
        {
            new { origin = "https://www.example.com" }, new { origin = "https://player.example.net" },
            new { origin = "https://*.widgets.example.tv" }, new { origin = "https://old.example.com" },
        },
        userAgents = new object[]
        {
            new { list = "deny", kind = "contains", pattern = "sqlmap" },
            new { list = "deny", kind = "contains", pattern = "nikto" },
            new { list = "deny", kind = "contains", pattern = "masscan" },
            new { list = "allow", kind = "substring", pattern = "AppleCoreMedia" },
            new { list = "allow", kind = "substring", pattern = "ExampleTV" },
            new { list = "allow", kind = "substring", pattern = "SamsungBrowser" },
        }.Concat(extraUserAgents).ToArray(),
        settings = new { publicPaths = new[] { "/healthz" } },
    };

    [Fact]
    public async Task Analyze_streams_the_filter_log_events_json_and_answers_counts_top_tables_time_span_and_suggestions_the_api_would_accept()
    {
        using var client = host.Admin();
        using var response = await client.PostAsync("/v1/rollout/analyze", Upload("report-mode.filter-log-events.json", "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var analysis = await response.JsonAsync();
        var printed = Printed();

        analysis["total"]!.GetValue<long>().ShouldBe(printed.Count);
        analysis["skipped"]!.GetValue<long>().ShouldBe(0);
        analysis["exact"]!.GetValue<bool>().ShouldBeTrue();
        analysis["byReason"]!.AsObject().ToDictionary(r => r.Key, r => r.Value!.GetValue<long>())
            .ShouldBe(printed.GroupBy(Reason).ToDictionary(g => g.Key, g => (long)g.Count()), ignoreOrder: true);
        analysis["topDistributions"]![0]!["value"]!.GetValue<string>().ShouldBe("E2ROLLOUTEXAMPLE");
        DateTimeOffset.Parse(analysis["from"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(DateTimeOffset.Parse("2026-11-30T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        analysis["to"].ShouldNotBeNull();
        // Would-be denials over time by reason, for the console's chart: every line in one bucket of an hour.
        var timeline = analysis["timeline"]!;
        timeline["bucketSeconds"]!.GetValue<long>().ShouldBe(3600);
        timeline["buckets"]!.AsArray().Sum(b => b!["byReason"]!.AsObject().Sum(r => r.Value!.GetValue<long>())).ShouldBe(printed.Count);

        var player = analysis["topOrigins"]!.AsArray().Single(o => o!["value"]!.GetValue<string>() == "https://player.example.net")!;
        player["count"]!.GetValue<long>().ShouldBe(printed.Count(l => l["origin"]!.GetValue<string>() == "https://player.example.net"));
        player["reasons"]!.AsObject().Select(r => r.Key).ShouldBe(["origin-unknown"]);
        analysis["topPaths"]!.AsArray().Count.ShouldBe(20);
        analysis["topUserAgents"]![0]!["reasons"].ShouldNotBeNull();

        var suggestions = analysis["suggestions"]!.AsArray().Select(s => s!).ToList();
        JsonNode Suggestion(string value) => suggestions.Single(s => s["value"]!.GetValue<string>() == value);
        Suggestion("https://player.example.net")["passes"]!.GetValue<long>().ShouldBe(player["count"]!.GetValue<long>());
        Suggestion("https://player.example.net")["patch"]!.ToJsonString().ShouldBe("""{"origins":[{"origin":"https://player.example.net"}]}""");
        Suggestion("https://*.widgets.example.tv")["passes"]!.GetValue<long>().ShouldBe(printed.Count(l => l["origin"]!.GetValue<string>().EndsWith(".widgets.example.tv", StringComparison.Ordinal)));
        Suggestion("https://old.example.com")["op"]!.GetValue<string>().ShouldBe("renew");
        Suggestion("AppleCoreMedia")["passes"]!.GetValue<long>().ShouldBe(printed.Count(l => l["ua"]!.GetValue<string>().StartsWith("AppleCoreMedia/", StringComparison.Ordinal)));
        Suggestion("AppleCoreMedia")["patch"]!.ToJsonString().ShouldBe("""{"userAgents":[{"list":"allow","kind":"substring","pattern":"AppleCoreMedia"}]}""");
        Suggestion("ExampleTV").ShouldNotBeNull();
        Suggestion("SamsungBrowser").ShouldNotBeNull();
        // Three github.io sites were denied, but *.github.io is a public suffix: never a wildcard over it.
        suggestions.ShouldNotContain(s => s["value"]!.GetValue<string>().Contains("*.github.io"));
        suggestions.Count(s => s["value"]!.GetValue<string>().EndsWith(".github.io", StringComparison.Ordinal)).ShouldBe(3);
        // Nothing for attack-like reasons, nor for curl and other generic clients without Origin.
        suggestions.ShouldAllBe(s => s["reasons"]!.AsObject().All(r => r.Key == "origin-unknown" || r.Key == "origin-expired" || r.Key == "ua-not-allowed"));
        suggestions.ShouldNotContain(s => new[] { "curl", "python-requests", "Go-http-client", "Mozilla" }.Contains(s["value"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Analyze_reads_ndjson_and_cloudwatch_text_lines_as_plain_bodies_and_counts_foreign_lines_as_skipped()
    {
        using var client = host.Admin();
        using var ndjson = await client.PostAsync("/v1/rollout/analyze", Upload("report-mode.ndjson", "application/x-ndjson"));
        var fromNdjson = await ndjson.JsonAsync();
        fromNdjson["total"]!.GetValue<long>().ShouldBe(Printed().Count);
        fromNdjson["skipped"]!.GetValue<long>().ShouldBe(2);
        fromNdjson["from"].ShouldBeNull();

        var lines = JsonNode.Parse(await File.ReadAllTextAsync(FixturePath("report-mode.filter-log-events.json")))!["events"]!.AsArray()
            .Select(e => e!["message"]!.GetValue<string>()).Append("2026-11-30 something else entirely");
        using var text = await client.PostAsync("/v1/rollout/analyze", new StringContent(string.Join('\n', lines), Encoding.UTF8, "text/plain"));
        var fromText = await text.JsonAsync();
        fromText["total"]!.GetValue<long>().ShouldBe(Printed().Count);
        fromText["skipped"]!.GetValue<long>().ShouldBe(1);
        fromText["byReason"]!.ToJsonString().ShouldBe(fromNdjson["byReason"]!.ToJsonString());
        fromText["suggestions"]!.ToJsonString().ShouldBe(fromNdjson["suggestions"]!.ToJsonString());
    }

    [Fact]
    public async Task Replay_runs_the_recorded_requests_through_the_function_on_the_candidate_rules_and_says_whether_enforcing_is_safe()
    {
        using var client = host.Admin();
        var printed = Printed();

        // The players' User-Agents alone: allow rules are for requests without Origin, so the browsers on
        // the sites just added pass without one (before issue 18 the first allow rule blocked them all).
        using var first = await client.PostAsync("/v1/rollout/replay", Replay(Candidate(), Upload("report-mode.filter-log-events.json", "application/json")));
        var playersOnly = await first.JsonAsync();
        playersOnly["nowPass"]!["byReason"]!["origin-unknown"]!["examples"]!.AsArray()
            .ShouldContain(e => e!["origin"]!.GetValue<string>() == "https://player.example.net");
        playersOnly["stillDenied"]!["byReason"]!["ua-not-allowed"]!["examples"]!.AsArray()
            .ShouldAllBe(e => string.IsNullOrEmpty(e!["origin"]!.GetValue<string>()));

        using var response = await client.PostAsync("/v1/rollout/replay",
            Replay(Candidate(new { list = "allow", kind = "substring", pattern = "Mozilla/" }), Upload("report-mode.filter-log-events.json", "application/json")));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var replay = await response.JsonAsync();

        replay["total"]!.GetValue<long>().ShouldBe(printed.Count);
        var nowPass = replay["nowPass"]!["byReason"]!;
        nowPass["origin-expired"]!["count"]!.GetValue<long>().ShouldBe(printed.Count(l => Reason(l) == "origin-expired"));
        nowPass["origin-unknown"]!["count"]!.GetValue<long>().ShouldBe(printed.Count(l => Reason(l) == "origin-unknown" && !l["origin"]!.GetValue<string>().EndsWith(".github.io", StringComparison.Ordinal)));
        nowPass["ua-not-allowed"]!["count"]!.GetValue<long>().ShouldBe(printed.Count(l => Reason(l) == "ua-not-allowed"
            && new[] { "AppleCoreMedia", "ExampleTV", "Mozilla/" }.Any(p => l["ua"]!.GetValue<string>().Contains(p, StringComparison.Ordinal))));
        var still = replay["stillDenied"]!["byReason"]!.AsObject();
        still["ua-not-allowed"]!["examples"]!.AsArray().ShouldAllBe(e => !e!["userAgent"]!.GetValue<string>().Contains("AppleCoreMedia") && !e["userAgent"]!.GetValue<string>().Contains("Mozilla/"));
        still["origin-unknown"]!["examples"]!.AsArray().ShouldAllBe(e => e!["origin"]!.GetValue<string>().EndsWith(".github.io"));
        replay["safeToEnforce"]!.GetValue<bool>().ShouldBeFalse();
        var wouldBlock = replay["wouldBlock"]!.GetValue<long>();
        wouldBlock.ShouldBe(still.Where(r => r.Key is not ("secret-unknown" or "secret-format" or "ua-denied" or "origin-invalid")).Sum(r => r.Value!["count"]!.GetValue<long>()));
        replay["blockedLines"]!.AsArray().Count.ShouldBe(20);
        replay["verdict"]!.GetValue<string>().ShouldContain($"{wouldBlock} recorded requests that are not attack-like would be blocked");

        using var within = await client.PostAsync($"/v1/rollout/replay?threshold={wouldBlock}",
            Replay(Candidate(new { list = "allow", kind = "substring", pattern = "Mozilla/" }), Upload("report-mode.ndjson", "application/x-ndjson")));
        (await within.JsonAsync())["safeToEnforce"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Replay_refuses_invalid_rules_naming_the_field_a_body_that_is_not_multipart_and_a_bad_threshold()
    {
        using var client = host.Admin();
        var bad = new { version = 1, origins = new[] { new { origin = "https://*.co.uk" } } };
        using var invalid = await client.PostAsync("/v1/rollout/replay", Replay(bad, Upload("report-mode.ndjson", "application/x-ndjson")));
        (await invalid.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["rules.origins[0].origin"]);

        using var unknownMember = await client.PostAsync("/v1/rollout/replay", Replay(new { version = 1, originz = Array.Empty<object>() }, Upload("report-mode.ndjson", "text/plain")));
        (await unknownMember.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["rules.originz"]);

        using var plain = await client.PostAsync("/v1/rollout/replay", Upload("report-mode.ndjson", "application/x-ndjson"));
        (await plain.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).ErrorFields().ShouldBe(["Content-Type"]);

        using var threshold = await client.PostAsync("/v1/rollout/replay?threshold=-1", Replay(Candidate(), Upload("report-mode.ndjson", "text/plain")));
        (await threshold.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["threshold"]);

        var form = new MultipartFormDataContent { { Upload("report-mode.ndjson", "text/plain"), "log", "log.ndjson" } };
        using var noRules = await client.PostAsync("/v1/rollout/replay", form);
        (await noRules.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["rules"]);

        using var broken = await client.PostAsync("/v1/rollout/analyze", new StringContent("{\"events\":[{\"message\":\"x\"},", Encoding.UTF8, "application/json"));
        (await broken.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["body"]);
    }

    [Fact]
    public async Task The_rollout_routes_need_rules_read_and_refusals_are_audited()
    {
        using var admin = host.Admin();
        var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = "rollout-audit-only", scopes = new[] { "audit:read" } })).JsonAsync();
        using var auditor = host.Client(created["token"]!.GetValue<string>());
        (await auditor.PostAsync("/v1/rollout/analyze", Upload("report-mode.ndjson", "text/plain"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await auditor.PostAsync("/v1/rollout/replay", Replay(Candidate(), Upload("report-mode.ndjson", "text/plain")))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var anonymous = host.Client();
        (await anonymous.PostAsync("/v1/rollout/analyze", Upload("report-mode.ndjson", "text/plain"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var denied = await admin.GetJsonAsync("/v1/audit?action=auth.denied&actor=rollout-audit-only");
        denied["items"]!.AsArray().ShouldNotBeEmpty();

        var reader = await (await admin.PostJsonAsync("/v1/tokens", new { name = "rollout-reader", scopes = new[] { "rules:read" } })).JsonAsync();
        using var rulesReader = host.Client(reader["token"]!.GetValue<string>());
        (await rulesReader.PostAsync("/v1/rollout/analyze", Upload("report-mode.ndjson", "text/plain"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>The service with <c>Rollout:MaxUploadBytes</c> at 4 KB.</summary>
public sealed class SmallUploadApiHost() : ApiHost(null, new Dictionary<string, string?> { ["Rollout:MaxUploadBytes"] = "4096" });

public sealed class RolloutUploadLimitTests(SmallUploadApiHost host) : IClassFixture<SmallUploadApiHost>
{
    [Fact]
    public async Task An_upload_past_the_limit_is_a_413_naming_the_setting_whether_its_length_is_declared_or_streamed()
    {
        using var client = host.Admin();
        var path = Path.Combine(RepositoryPaths.Root, "function", "rollout", "report-mode.ndjson");
        using var declared = await client.PostAsync("/v1/rollout/analyze", new ByteArrayContent(await File.ReadAllBytesAsync(path)) { Headers = { ContentType = new("text/plain") } });
        (await declared.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge))["detail"]!.GetValue<string>().ShouldContain("Rollout:MaxUploadBytes (4096 bytes)");
        using var streamed = await client.PostAsync("/v1/rollout/analyze", new StreamContent(File.OpenRead(path)) { Headers = { ContentType = new("text/plain") } });
        (await streamed.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge)).ErrorFields().ShouldBe(["body"]);
        using var small = await client.PostAsync("/v1/rollout/analyze", new StringContent(File.ReadLines(path).Skip(1).First() + "\n", Encoding.UTF8, "text/plain"));
        (await small.JsonAsync())["total"]!.GetValue<long>().ShouldBe(1);
    }
}
