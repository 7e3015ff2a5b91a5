using System.Net;
using System.Text;
using System.Text.Json;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Rollout;

/// <summary>What one upload can make the API do, and echo: lines read as the function writes them (secrets masked, User-Agents cut).</summary>
public sealed class RolloutBoundsTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    const string Secret = "ealp_0123456789abcdefghijABCDEFGHIJ_-xyzXYZ0123";

    internal static string Line(string uri = "/index.m3u8", string origin = "https://app.example.com", string ua = "Mozilla/5.0 Chrome/124.0", string reason = "origin-unknown") =>
        JsonSerializer.Serialize(new { allowlist = "report", reason, uri, origin, ua });

    internal static MultipartFormDataContent Replay(string log) => new()
    {
        { new StringContent("""{"version":1}""", Encoding.UTF8, "application/json"), "rules" },
        { new StringContent(log, Encoding.UTF8, "text/plain"), "log", "log.ndjson" },
    };

    [Fact]
    public async Task Partner_secrets_in_uploaded_lines_are_masked_in_analyze_and_replay_as_the_function_masks_them()
    {
        using var admin = host.Admin();
        var log = string.Join('\n',
            Line(uri: $"/ealp-marker/{Secret}/index.m3u8", reason: "secret-unknown"),
            Line(uri: $"/live/{Secret}.m3u8?token={Secret}", origin: $"https://{Secret}.example.com"),
            Line(ua: $"Bot {Secret}", reason: "ua-not-allowed"),
            Line(uri: $"/{Secret}/x.ts", reason: "origin-unknown")) + "\n";

        var analyzed = await admin.PostAsync("/v1/rollout/analyze", new StringContent(log, Encoding.UTF8, "application/x-ndjson"));
        var replayed = await admin.PostAsync("/v1/rollout/replay", Replay(log));

        foreach (var response in new[] { analyzed, replayed })
        {
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
            body.ShouldNotContain("ealp_");
            body.ShouldNotContain("0123456789abcdefghij");
        }
        (await analyzed.Content.ReadAsStringAsync()).ShouldContain("/live/*.m3u8?token=*");
    }

    [Fact]
    public async Task User_agents_are_cut_to_128_characters_as_the_function_cuts_them_and_the_functions_own_split_pair_is_read()
    {
        using var admin = host.Admin();
        var huge = "Mozilla/5.0 " + new string('x', 60_000);
        // What JSON.stringify writes when slice(0, 128) splits a pair: 127 characters and the lone high half, escaped.
        var split = JsonSerializer.Serialize(new { allowlist = "report", reason = "ua-not-allowed", uri = "/a.m3u8", origin = "https://app.example.com", ua = new string('a', 127) })
            .Replace(new string('a', 127), new string('a', 127) + "\\ud83d", StringComparison.Ordinal);

        var response = await admin.PostAsync("/v1/rollout/analyze",
            new StringContent(Line(ua: huge, reason: "ua-not-allowed") + "\n" + split + "\n", Encoding.UTF8, "application/x-ndjson"));
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldNotContain(new string('x', 117), Case.Sensitive, "a User-Agent longer than the function's 128 characters was kept");
        body.ShouldContain("Mozilla/5.0 " + new string('x', 116));
        body.ShouldContain(new string('a', 127));
    }
}

/// <summary>Rollout:MaxLines of 5: a longer log is a 413 on both routes, naming the setting.</summary>
public sealed class FiveLineRolloutApiHost() : ApiHost(null, new Dictionary<string, string?> { ["Rollout:MaxLines"] = "5" });

public sealed class RolloutLineCapTests(FiveLineRolloutApiHost host) : IClassFixture<FiveLineRolloutApiHost>
{
    [Fact]
    public async Task A_log_over_the_line_cap_is_a_413_and_one_at_the_cap_is_read()
    {
        using var admin = host.Admin();
        var five = string.Concat(Enumerable.Repeat(RolloutBoundsTests.Line() + "\n", 5));
        var six = five + RolloutBoundsTests.Line() + "\n";

        (await admin.PostAsync("/v1/rollout/analyze", new StringContent(five, Encoding.UTF8, "application/x-ndjson"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var analyzed = await (await admin.PostAsync("/v1/rollout/analyze", new StringContent(six, Encoding.UTF8, "application/x-ndjson")))
            .ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        var replayed = await (await admin.PostAsync("/v1/rollout/replay", RolloutBoundsTests.Replay(six))).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        analyzed.ToJsonString().ShouldContain("Rollout:MaxLines (5)");
        replayed.ToJsonString().ShouldContain("Rollout:MaxLines (5)");
    }
}

/// <summary>A Rollout:MaxDuration that any real work passes: the request stops with 422 instead of running on.</summary>
public sealed class NoTimeRolloutApiHost() : ApiHost(null, new Dictionary<string, string?> { ["Rollout:MaxDuration"] = "00:00:00.0000001" });

public sealed class RolloutTimeBudgetTests(NoTimeRolloutApiHost host) : IClassFixture<NoTimeRolloutApiHost>
{
    [Fact]
    public async Task Work_past_the_time_budget_is_a_422_naming_the_setting_on_both_routes()
    {
        using var admin = host.Admin();
        var log = string.Concat(Enumerable.Repeat(RolloutBoundsTests.Line() + "\n", 200));

        var analyzed = await (await admin.PostAsync("/v1/rollout/analyze", new StringContent(log, Encoding.UTF8, "application/x-ndjson")))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var replayed = await (await admin.PostAsync("/v1/rollout/replay", RolloutBoundsTests.Replay(log))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        analyzed.ToJsonString().ShouldContain("Rollout:MaxDuration");
        replayed.ToJsonString().ShouldContain("Rollout:MaxDuration");
    }
}
