using System.Text.Json.Nodes;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Cli.Commands.Function;
using EdgeAllowlist.EdgeFunction;

namespace EdgeAllowlist.Cli.Tests.Commands.Function;

public sealed class CaseResultTests
{
    static readonly EventCase MediaTailor = Case(new("pass", "/test/ACCUSSED_Stereo.m3u8", null, null, Reads: 2, Log: null));
    static readonly EventCase NoOrigin = Case(new("deny", null, 403, "no-origin", Reads: 1, Log: "no-origin"));

    static EventCase Case(EventExpectation expect) => new("case", "a case", new JsonObject(), expect, [], []);

    static TestResult Result(string output, string compute = "12", string? error = null) => new(null, compute, [], error, output);

    [Theory]
    [InlineData("""{"request":{"uri":"/test/ACCUSSED_Stereo.m3u8"}}""", "12", true)]
    [InlineData("""{"request":{"uri":"/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/test/ACCUSSED_Stereo.m3u8"}}""", "12", false)]
    [InlineData("""{"response":{"statusCode":403}}""", "12", false)]
    [InlineData("""{"request":{"uri":"/test/ACCUSSED_Stereo.m3u8"}}""", "71", false)]
    [InlineData("""{"request":{"uri":"/test/ACCUSSED_Stereo.m3u8"}}""", "70", true)]
    [InlineData("""{"request":{"uri":"/test/ACCUSSED_Stereo.m3u8"}}""", "n/a", false)]
    [InlineData("""not json""", "12", false)]
    [InlineData("""{"other":{}}""", "12", false)]
    public void A_pass_case_passes_only_with_the_origin_uri_and_compute_within_the_limit(string output, string compute, bool passes)
    {
        var result = CaseResult.Judge(MediaTailor, Result(output, compute), maxComputeUtilization: 70);

        result.Passed.ShouldBe(passes, result.Problem);
    }

    [Theory]
    [InlineData("""{"response":{"statusCode":403,"headers":{"x-allowlist-reason":{"value":"no-origin"}}}}""", true)]
    [InlineData("""{"response":{"statusCode":401,"headers":{"x-allowlist-reason":{"value":"no-origin"}}}}""", false)]
    [InlineData("""{"response":{"statusCode":403,"headers":{"x-allowlist-reason":{"value":"ua-denied"}}}}""", false)]
    [InlineData("""{"response":{"statusCode":403}}""", false)]
    [InlineData("""{"request":{"uri":"/a.ts"}}""", false)]
    public void A_deny_case_must_match_status_and_reason_while_reads_and_logs_are_left_to_local_tests(string output, bool passes)
    {
        var result = CaseResult.Judge(NoOrigin, Result(output), 70);

        result.Passed.ShouldBe(passes, result.Problem);
    }

    [Fact]
    public void A_function_error_fails_the_case_with_cloudfronts_message()
    {
        var result = CaseResult.Judge(MediaTailor, Result("", error: "TypeError: x is undefined"), 70);

        result.Passed.ShouldBeFalse();
        result.Actual.ShouldBe("error");
        result.Problem.ShouldBe("TypeError: x is undefined");
    }

    [Fact]
    public void Expected_and_actual_outcomes_read_the_same_way()
    {
        var result = CaseResult.Judge(NoOrigin, Result("""{"response":{"statusCode":403,"headers":{"x-allowlist-reason":{"value":"origin-unknown"}}}}"""), 70);

        result.Expected.ShouldBe("deny 403 no-origin");
        result.Actual.ShouldBe("deny 403 origin-unknown");
    }
}
