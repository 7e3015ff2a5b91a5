using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Aws.CloudFront;
using EdgeAllowlist.Cli.Commands.Function;

namespace EdgeAllowlist.Cli.Tests.Commands.Function;

public sealed class EventCaseTests
{
    // The shape of function/events/<case>.json as function/README.md §7 defines it (copied from a real case).
    const string MediaTailorCase = """
        {
          "description": "MediaTailor fetches the template manifest through VideoContentSourceUrl",
          "event": {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.11"},
                    "request": {"method": "GET", "uri": "/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/test/ACCUSSED_Stereo.m3u8",
                                "querystring": {}, "headers": {"host": {"value": "d111111abcdef8.cloudfront.net"}}, "cookies": {}}},
          "expect": {"action": "pass", "uri": "/test/ACCUSSED_Stereo.m3u8", "reads": 2}
        }
        """;

    const string FixtureChangingCase = """
        {"description": "no origin, deny policy", "kvs": {"put": [{"key": "cfg", "value": "{}"}]},
         "event": {"version": "1.0", "request": {"method": "GET", "uri": "/a.ts", "headers": {}}},
         "expect": {"action": "deny", "status": 403, "reason": "no-origin", "reads": 1, "log": "no-origin"}}
        """;

    [Fact]
    public void A_case_keeps_its_event_exactly_and_reads_the_expected_outcome()
    {
        var eventCase = EventCase.Parse("mediatailor", MediaTailorCase);

        eventCase.ChangesStore.ShouldBeFalse();
        eventCase.Expect.ShouldBe(new ExpectedOutcome("pass", "/test/ACCUSSED_Stereo.m3u8", null, null));
        var sent = JsonNode.Parse(Encoding.UTF8.GetString(eventCase.EventObject))!;
        JsonNode.DeepEquals(sent, JsonNode.Parse(MediaTailorCase)!["event"]).ShouldBeTrue();
    }

    [Fact]
    public void A_case_that_changes_the_store_fixture_is_marked_so()
    {
        var eventCase = EventCase.Parse("no-origin", FixtureChangingCase);

        eventCase.ChangesStore.ShouldBeTrue();
        eventCase.Expect.ShouldBe(new ExpectedOutcome("deny", null, 403, "no-origin"));
    }

    [Theory]
    [InlineData("""{"expect":{"action":"pass"}}""", "no \"event\"")]
    [InlineData("""{"event":{}}""", "no \"expect\"")]
    [InlineData("""{"event":{},"expect":{"action":"allow"}}""", "expect.action")]
    [InlineData("""{"event":{},"expect":{"action":"deny","status":"403"}}""", "expect.status")]
    [InlineData("""[1]""", "not a JSON object")]
    [InlineData("""{"event":""", "broken")]
    public void A_malformed_case_is_refused_with_its_name_and_the_reason(string json, string reason)
    {
        var error = Should.Throw<InvalidDataException>(() => EventCase.Parse("broken", json));

        error.Message.ShouldStartWith("broken");
        error.Message.ShouldContain(reason);
    }

    [Theory]
    [InlineData("""{"request":{"uri":"/test/ACCUSSED_Stereo.m3u8"}}""", "12", true)]
    [InlineData("""{"request":{"uri":"/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/test/ACCUSSED_Stereo.m3u8"}}""", "12", false)]
    [InlineData("""{"response":{"statusCode":403}}""", "12", false)]
    [InlineData("""{"request":{"uri":"/test/ACCUSSED_Stereo.m3u8"}}""", "71", false)]
    [InlineData("""{"request":{"uri":"/test/ACCUSSED_Stereo.m3u8"}}""", "70", true)]
    [InlineData("""not json""", "12", false)]
    public void A_test_result_passes_only_with_the_expected_outcome_and_compute_within_the_limit(string output, string compute, bool passes)
    {
        var eventCase = EventCase.Parse("mediatailor", MediaTailorCase);

        var result = CaseResult.Judge(eventCase, new TestResult(null, compute, [], null, output), maxComputeUtilization: 70);

        result.Passed.ShouldBe(passes, result.Problem);
    }

    [Theory]
    [InlineData("""{"response":{"statusCode":403,"headers":{"x-allowlist-reason":{"value":"no-origin"}}}}""", true)]
    [InlineData("""{"response":{"statusCode":401,"headers":{"x-allowlist-reason":{"value":"no-origin"}}}}""", false)]
    [InlineData("""{"response":{"statusCode":403,"headers":{"x-allowlist-reason":{"value":"ua-denied"}}}}""", false)]
    [InlineData("""{"response":{"statusCode":403}}""", false)]
    public void A_denial_must_match_status_and_reason(string output, bool passes)
    {
        var eventCase = EventCase.Parse("no-origin", FixtureChangingCase);

        CaseResult.Judge(eventCase, new TestResult(null, "5", [], null, output), 70).Passed.ShouldBe(passes);
    }

    [Fact]
    public void A_function_error_fails_the_case_with_cloudfronts_message()
    {
        var eventCase = EventCase.Parse("mediatailor", MediaTailorCase);

        var result = CaseResult.Judge(eventCase, new TestResult(null, "3", [], "TypeError: x is undefined", null), 70);

        result.Passed.ShouldBeFalse();
        result.Problem.ShouldBe("TypeError: x is undefined");
    }
}
