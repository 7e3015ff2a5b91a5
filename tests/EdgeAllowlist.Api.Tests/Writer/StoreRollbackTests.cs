using System.Collections.Immutable;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Tests.Writer;

/// <summary>When a store that moved was rolled back rather than edited: each rule at its edge.</summary>
public sealed class StoreRollbackTests
{
    static StoreState State(int keys, string etag, long? version = null) =>
        StoreState.Of(Enumerable.Range(0, keys).ToImmutableSortedDictionary(i => $"o:https://o{i:D3}.example", _ => "{}", StringComparer.Ordinal), etag, null) with { Version = version };

    static readonly Dictionary<string, long> None = [];

    [Fact]
    public void An_embedded_store_below_the_acknowledged_version_is_a_rollback_and_at_or_above_it_is_not()
    {
        StoreRollback.Detect(State(10, "E9", 9), State(10, "E7", 7), 9, None).ShouldNotBeNull().ShouldContain("version 7");
        StoreRollback.Detect(State(10, "E9", 9), State(0, "E9b", 9), 9, None).ShouldBeNull();
        StoreRollback.Detect(State(10, "E9", 9), State(10, "E12", 12), 9, None).ShouldBeNull();
    }

    [Fact]
    public void A_KVS_back_at_an_ETag_seen_before_the_newest_acknowledged_one_is_a_rollback()
    {
        var seen = new Dictionary<string, long> { ["E1"] = 1, ["E2"] = 2 };
        StoreRollback.Detect(State(3, "E2"), State(3, "E1"), null, seen).ShouldNotBeNull().ShouldContain("E1");
        StoreRollback.Detect(State(3, "E1"), State(3, "E2"), null, seen).ShouldBeNull();
        StoreRollback.Detect(State(3, "E2"), State(3, "E3"), null, seen).ShouldBeNull();
    }

    [Fact]
    public void A_KVS_that_lost_25_acknowledged_keys_and_a_tenth_of_them_at_once_is_a_suspected_rollback()
    {
        StoreRollback.Detect(State(100, "A"), State(75, "B"), null, None).ShouldNotBeNull().ShouldContain("25 of the 100");
        StoreRollback.Detect(State(100, "A"), State(76, "B"), null, None).ShouldBeNull();
        // 25 keys of 300 is under a tenth: an operator's bulk delete, audited as external.
        StoreRollback.Detect(State(300, "A"), State(275, "B"), null, None).ShouldBeNull();
        // The embedded store is judged by its version only.
        StoreRollback.Detect(State(100, "A", 5), State(0, "B", 6), 5, None).ShouldBeNull();
    }
}
