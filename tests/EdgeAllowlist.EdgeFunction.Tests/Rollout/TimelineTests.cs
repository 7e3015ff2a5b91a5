using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.EdgeFunction.Tests.Rollout;

public sealed class TimelineTests
{
    /// <summary>Accepts no change at all: these tests are about counting, not suggesting (the API's rules are tested through the API).</summary>
    sealed class NoChanges : IRolloutRules
    {
        public string? AddableOrigin(string origin) => null;
        public bool AddableWildcard(string wildcardOrigin) => false;
        public bool AddableUserAgentSubstring(string pattern) => false;
    }

    static FunctionLogLine Line(long n, DateTimeOffset at, string reason) => new(n, "report", reason, "/a.ts", "", "", at, null);

    [Fact]
    public void Denials_over_time_are_counted_by_hour_and_reason()
    {
        var analyzer = new RolloutAnalyzer(new NoChanges());
        var start = DateTimeOffset.Parse("2026-11-30T10:15:00Z", System.Globalization.CultureInfo.InvariantCulture);
        analyzer.Add(Line(1, start, "no-origin"));
        analyzer.Add(Line(2, start.AddMinutes(40), "no-origin"));
        analyzer.Add(Line(3, start.AddMinutes(50), "cfg"));
        var timeline = analyzer.Build().Timeline!;
        timeline.BucketSeconds.ShouldBe(3600);
        timeline.Buckets.Select(b => (b.Start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), b.ByReason.Sum(r => r.Value))).ShouldBe([("10:00", 2L), ("11:00", 1L)]);
        timeline.Buckets[0].ByReason.Keys.ShouldBe(["no-origin"]);
        timeline.Buckets[1].ByReason.Keys.ShouldBe(["cfg"]);
        new RolloutAnalyzer(new NoChanges()).Build().Timeline.ShouldBeNull();
    }

    [Fact]
    public void A_long_span_widens_the_buckets_instead_of_growing_and_loses_no_count()
    {
        var analyzer = new RolloutAnalyzer(new NoChanges());
        var start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 5000; i++)
            analyzer.Add(Line(i, start.AddMinutes(i * 37), i % 3 == 0 ? "ua-denied" : "origin-unknown"));
        var timeline = analyzer.Build().Timeline!;
        timeline.Buckets.Count.ShouldBeLessThanOrEqualTo(RolloutAnalyzer.MaxBuckets);
        timeline.BucketSeconds.ShouldBeGreaterThan(3600);
        (timeline.BucketSeconds % 3600).ShouldBe(0);
        timeline.Buckets.Sum(b => b.ByReason.Values.Sum()).ShouldBe(5000);
        timeline.Buckets.Sum(b => b.ByReason.GetValueOrDefault("ua-denied")).ShouldBe(1667);
        timeline.Buckets.ShouldAllBe(b => b.Start.ToUnixTimeSeconds() % timeline.BucketSeconds == 0);
    }
}
