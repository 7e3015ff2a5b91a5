using System.Net;
using System.Text;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Validation;

/// <summary>
/// A lone UTF-16 surrogate escape is valid JSON but no text: in any string or member name of any
/// JSON body, and in any rollout line, it is a 400 naming where it is, with nothing written and never a 500.
/// </summary>
public sealed class LoneSurrogateTests(ApiHost host) : IClassFixture<ApiHost>
{
    public static TheoryData<string, string, string, string> Bodies() => new()
    {
        { "POST", "/v1/origins", """{"origin":"https://surrogate.example.com","note":"\ud800"}""", "note" },
        { "POST", "/v1/origins", """{"origin":"https://surrogate.example.com","note":"ok \udc00\ud800 reversed"}""", "note" },
        { "POST", "/v1/origins", """{"origin":"https://surrogate.example.com","\ud800":1}""", "body" },
        { "POST", "/v1/origins/bulk", """{"origins":[{"origin":"https://a.example.com"},{"origin":"https://b.example.com","note":"x\uDFFF"}]}""", "origins[1].note" },
        { "PATCH", "/v1/origins/https://surrogate-patch.example.com", """{"note":"\ud800"}""", "note" },
        { "POST", "/v1/tokens", """{"name":"ci","scopes":["rules:read","\ud800"]}""", "scopes[1]" },
        { "PATCH", "/v1/settings", """{"mode":"\udbff"}""", "mode" },
        { "POST", "/v1/user-agents", """{"list":"allow","kind":"substring","pattern":"bot\ud800"}""", "pattern" },
        { "POST", "/v1/partners", """{"id":"p","scope":"all","description":"\ud800"}""", "description" },
        { "POST", "/v1/desired-state/plan", """{"version":1,"origins":[{"origin":"https://x.example.com","note":"\ud800"}]}""", "origins[0].note" },
        { "POST", "/v1/desired-state/apply", """{"version":1,"userAgents":{"allow":[{"kind":"substring","pattern":"\ud800"}]}}""", "userAgents.allow[0].pattern" },
        { "POST", "/v1/simulate", """{"uri":"/index.m3u8","headers":{"user-agent":"\ud800"}}""", "headers.user-agent" },
        { "POST", "/v1/partners/p/secrets/sec_x/undo-rotation", """{"\udc00":"x"}""", "body" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_lone_surrogate_in_any_json_field_is_a_400_naming_it_and_changes_nothing(string method, string path, string body, string field)
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        var etag = (await store.DescribeAsync()).ETag;
        var tokens = (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Count;

        var problem = await (await admin.SendRawAsync(new HttpMethod(method), path, body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.ErrorFields().ShouldBe([field]);
        problem.ToJsonString().ShouldContain("lone UTF-16 surrogate");
        (await store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.GetJsonAsync("/v1/tokens"))["items"]!.AsArray().Count.ShouldBe(tokens);
    }

    [Fact]
    public async Task A_surrogate_pair_is_text_and_goes_through()
    {
        using var admin = host.Admin();
        var response = await admin.SendRawAsync(HttpMethod.Post, "/v1/origins", """{"origin":"https://pair.example.com","note":"launch \ud83d\ude80"}""");
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        (await admin.GetJsonAsync("/v1/origins/https://pair.example.com"))["note"]!.GetValue<string>().ShouldBe("launch 🚀");
    }

    const string Line = """{"allowlist":"report","reason":"origin-unknown","uri":"/a.m3u8","origin":"https://x.example.com","ua":"UA"}""";

    [Theory]
    [InlineData("ndjson", "Line 2")]
    [InlineData("filter-log-events", "Event 2")]
    [InlineData("filter-log-events, in the message's line", "Line 2")]
    public async Task A_lone_surrogate_in_a_rollout_line_is_a_400_naming_the_line(string form, string named)
    {
        using var admin = host.Admin();
        var bad = Line.Replace("\"UA\"", "\"\\ud800\"");
        var body = form switch
        {
            "ndjson" => Line + "\n" + bad + "\n",
            "filter-log-events" => $$"""{"events":[{"message":{{System.Text.Json.JsonSerializer.Serialize(Line)}}},{"message":"\udfff"}]}""",
            _ => $$"""{"events":[{"message":{{System.Text.Json.JsonSerializer.Serialize(Line)}}},{"message":{{System.Text.Json.JsonSerializer.Serialize(bad)}}}]}""",
        };

        var analyzed = await (await admin.PostAsync("/v1/rollout/analyze", new StringContent(body, Encoding.UTF8, form == "ndjson" ? "application/x-ndjson" : "application/json")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        analyzed.ErrorFields().ShouldBe(["body"]);
        analyzed.ToJsonString().ShouldContain(named);
        analyzed.ToJsonString().ShouldContain("lone UTF-16 surrogate");

        using var form2 = new MultipartFormDataContent
        {
            { new StringContent("""{"version":1}""", Encoding.UTF8, "application/json"), "rules" },
            { new StringContent(body, Encoding.UTF8, "text/plain"), "log", "log.ndjson" },
        };
        var replayed = await (await admin.PostAsync("/v1/rollout/replay", form2)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        replayed.ToJsonString().ShouldContain("lone UTF-16 surrogate");
    }

    [Fact]
    public async Task A_lone_surrogate_in_the_replays_rules_names_the_member()
    {
        using var admin = host.Admin();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"version":1,"origins":[{"origin":"https://x.example.com","note":"\ud800"}]}""", Encoding.UTF8, "application/json"), "rules" },
            { new StringContent(Line + "\n", Encoding.UTF8, "text/plain"), "log", "log.ndjson" },
        };
        var problem = await (await admin.PostAsync("/v1/rollout/replay", form)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe(["rules.origins[0].note"]);
    }
}
