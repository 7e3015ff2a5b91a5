using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.EdgeFunction.Tests.Rollout;

public sealed class TopCounterTests
{
    [Fact]
    public void Under_capacity_the_counts_and_reasons_are_exact()
    {
        var counter = new TopCounter(10);
        var truth = new Dictionary<string, int>();
        var random = new Random(3);
        for (var i = 0; i < 5000; i++)
        {
            var value = "v" + random.Next(8);
            truth[value] = truth.GetValueOrDefault(value) + 1;
            counter.Add(value, Reasons.Index(i % 2 == 0 ? "no-origin" : "cfg"));
        }
        counter.Exact.ShouldBeTrue();
        var top = counter.Top(20);
        top.Select(e => (e.Value, e.Count)).ShouldBe(truth.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, (long)t.Value)));
        top.ShouldAllBe(e => e.Reasons.Values.Sum() == e.Count && e.Error == null);
    }

    [Fact]
    public void Past_capacity_the_heavy_hitters_are_kept_with_counts_too_high_by_at_most_their_error()
    {
        var counter = new TopCounter(50);
        var truth = new Dictionary<string, long>();
        var random = new Random(5);
        for (var i = 0; i < 200_000; i++)
        {
            // Three heavy values among a long tail of one-offs, as attackers' random origins make.
            var value = random.Next(10) switch { 0 => "heavy-a", 1 => "heavy-b", 2 => "heavy-c", _ => "tail" + random.Next(1_000_000) };
            truth[value] = truth.GetValueOrDefault(value) + 1;
            counter.Add(value, 0);
        }
        counter.Exact.ShouldBeFalse();
        var top = counter.Top(3);
        top.Select(e => e.Value).Order().ShouldBe(["heavy-a", "heavy-b", "heavy-c"]);
        foreach (var entry in top)
        {
            entry.Count.ShouldBeGreaterThanOrEqualTo(truth[entry.Value]);
            entry.Count.ShouldBeLessThanOrEqualTo(truth[entry.Value] + (entry.Error ?? 0));
        }
        counter.All.Count().ShouldBe(50);
    }
}

public sealed class ReasonsTests
{
    [Fact]
    public void The_engine_knows_exactly_the_contracts_reason_codes_and_the_attack_like_ones_are_among_them()
    {
        FunctionContract.Reasons.ShouldBe(EdgeAllowlist.EdgeFunction.Rollout.Reasons.All);
        EdgeAllowlist.EdgeFunction.Rollout.Reasons.AttackLike.ShouldBeSubsetOf(EdgeAllowlist.EdgeFunction.Rollout.Reasons.All);
    }
}
