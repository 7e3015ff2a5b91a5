namespace EdgeAllowlist.EdgeFunction.Tests;

public sealed class SampleEventTests
{
    public static TheoryData<string> Cases() => [.. EventCases.LoadAll().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_sample_event_yields_its_expected_outcome(string name)
    {
        var eventCase = EventCases.LoadAll().Single(c => c.Name == name);
        using var store = await TestStore.ForCaseAsync(eventCase);

        var outcome = Edge.Function.Run(eventCase.Event, store.Store, Edge.Now);

        outcome.Error.ShouldBeNull();
        eventCase.Expect.Mismatches(outcome.Output, outcome.Logs, outcome.KvsReads).ShouldBeEmpty(eventCase.Description);
    }

    [Fact]
    public void The_sample_events_cover_the_user_scenarios_and_every_denial_reason()
    {
        var cases = EventCases.LoadAll();

        cases.Count.ShouldBeGreaterThanOrEqualTo(30);
        var reasons = cases.Select(c => c.Expect.Reason).OfType<string>().ToHashSet();
        // Every reason of the contract but cfg, which never shows in a header (without cfg the reason flag is unknown).
        FunctionContract.Reasons.Except(["cfg"]).Except(reasons).ShouldBeEmpty();
        cases.ShouldContain(c => c.Event["request"]!["uri"]!.GetValue<string>().EndsWith("/test/ACCUSSED_Stereo.m3u8", StringComparison.Ordinal));
    }

    [Fact]
    public void Sample_events_have_the_shape_TestFunction_takes()
    {
        foreach (var eventCase in EventCases.LoadAll())
        {
            var e = eventCase.Event;
            e["version"]!.GetValue<string>().ShouldBe("1.0", eventCase.Name);
            e["context"]!["eventType"]!.GetValue<string>().ShouldBe("viewer-request", eventCase.Name);
            e["viewer"]!["ip"].ShouldNotBeNull(eventCase.Name);
            var request = e["request"]!.AsObject();
            string.Join(",", request.Select(p => p.Key).Order()).ShouldBe("cookies,headers,method,querystring,uri", eventCase.Name);
            foreach (var header in request["headers"]!.AsObject())
            {
                header.Key.ShouldBe(header.Key.ToLowerInvariant(), eventCase.Name);
                header.Value!["value"].ShouldNotBeNull(eventCase.Name);
            }
        }
    }
}
