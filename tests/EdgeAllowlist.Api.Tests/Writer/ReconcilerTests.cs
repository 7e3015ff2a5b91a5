using System.Collections.Immutable;
using CsCheck;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Tests.Writer;

/// <summary>
/// <see cref="Reconciler.Reconcile"/> over random stores, journals and histories: a known state, a
/// journal of intents (some planned against the known ETag, some against others), then what really
/// happened to the store (at most one of those intents applied, plus changes from outside), and
/// the observed state that results. The function must tell ours from external exactly.
/// </summary>
public sealed class ReconcilerTests
{
    const string KnownETag = "E0";
    const string MovedETag = "E1";
    static readonly string[] Keys = ["cfg", "o:https://a.example", "o:https://b.example", "ua:0", "x:aa", "x:bb"];
    static readonly string?[] Values = [null, "{}", "{\"exp\":1}", "v3"];

    sealed record History(StoreState Known, List<WriteIntent> Journal, WriteIntent? Applied, IReadOnlyDictionary<string, string?> External, StoreState Observed);

    static readonly Gen<ImmutableSortedDictionary<string, string>> ItemsGen =
        Gen.Int[0, Values.Length - 1].Array[Keys.Length].Select(picks => Keys.Zip(picks)
            .Where(p => Values[p.Second] is not null)
            .ToImmutableSortedDictionary(p => p.First, p => Values[p.Second]!, StringComparer.Ordinal));

    /// <summary>An intent as the planner makes it against <paramref name="items"/>: distinct keys, each changing its value.</summary>
    static Gen<WriteIntent> IntentGen(IReadOnlyDictionary<string, string> items, string etag) =>
        Gen.Select(Gen.Guid, Gen.Int[0, Keys.Length - 1].Array[1, 3], Gen.Int[0, Values.Length - 1].Array[3], (id, keys, values) =>
            new WriteIntent(id.ToString("N"), etag, [.. keys.Distinct().Select((k, n) => (Key: Keys[k], Before: items.GetValueOrDefault(Keys[k]), Value: Values[values[n]]))
                .Where(w => w.Before != w.Value)
                .Select(w => new IntentWrite(w.Key, w.Value, w.Before, "admin", "origin.add", w.Key, null, null))]));

    static readonly Gen<History> HistoryGen =
        from items in ItemsGen
        from ours in IntentGen(items, KnownETag).Array[0, 3]
        from stale in IntentGen(items, "E-old").Array[0, 2]
        from pending in IntentGen(items, MovedETag).Array[0, 1]
        from order in Gen.Int.Array[ours.Length + stale.Length + pending.Length]
        from appliedIndex in Gen.Int[-1, ours.Length - 1]
        from external in Gen.Int[0, Values.Length - 1].Array[Keys.Length]
        from externalMask in Gen.Bool.Array[Keys.Length]
        from moveWithoutChange in Gen.Bool
        select Build(items, [.. ours.Concat(stale).Concat(pending).Zip(order).OrderBy(p => p.Second).Select(p => p.First)],
            appliedIndex < 0 || ours[appliedIndex].Writes.Count == 0 ? null : ours[appliedIndex], external, externalMask, moveWithoutChange);

    static History Build(ImmutableSortedDictionary<string, string> items, List<WriteIntent> journal, WriteIntent? applied, int[] external, bool[] mask, bool moveWithoutChange)
    {
        var known = StoreState.Of(items, KnownETag, null);
        var after = items;
        foreach (var write in applied?.Writes ?? [])
            after = write.Value is null ? after.Remove(write.Key) : after.SetItem(write.Key, write.Value);
        // Someone else edits keys the applied intent did not write (an edit of the same key would hide ours).
        var outside = new Dictionary<string, string?>();
        for (var k = 0; k < Keys.Length; k++)
        {
            if (!mask[k] || applied?.Writes.Any(w => w.Key == Keys[k]) == true || after.GetValueOrDefault(Keys[k]) == Values[external[k]])
                continue;
            outside[Keys[k]] = Values[external[k]];
            after = Values[external[k]] is { } value ? after.SetItem(Keys[k], value) : after.Remove(Keys[k]);
        }
        var moved = applied is not null || outside.Count > 0 || moveWithoutChange;
        return new(known, journal, applied, outside, StoreState.Of(after, moved ? MovedETag : KnownETag, null));
    }

    [Fact]
    public void Ours_and_external_together_explain_every_changed_key_exactly_once()
    {
        HistoryGen.Sample(h =>
        {
            var result = Reconciler.Reconcile(h.Known, h.Observed, h.Journal);
            var replayed = h.Known.Items;
            foreach (var change in result.Changes(h.Known))
                replayed = change.After is { } value ? replayed.SetItem(change.Key, value) : replayed.Remove(change.Key);
            replayed.ShouldBe(h.Observed.Items);
            var ourKeys = result.Applied?.Writes.Select(w => w.Key).ToList() ?? [];
            result.External.Select(c => c.Key).Intersect(ourKeys).ShouldBeEmpty();
            result.External.ShouldAllBe(c => c.Before != c.After && h.Known.Items.GetValueOrDefault(c.Key) == c.Before);
        });
    }

    [Fact]
    public void An_intent_the_store_applied_is_recognised_as_ours_and_the_rest_as_external()
    {
        HistoryGen.Where(h => h.Applied is not null).Sample(h =>
        {
            var result = Reconciler.Reconcile(h.Known, h.Observed, h.Journal);
            result.Applied.ShouldNotBeNull();
            // Two intents with the same effect cannot be told apart; the earlier one is chosen, never a later one.
            (h.Journal.IndexOf(result.Applied) <= h.Journal.IndexOf(h.Applied!)).ShouldBeTrue();
            result.Applied.Writes.ShouldAllBe(w => h.Observed.Items.GetValueOrDefault(w.Key) == w.Value);
            if (result.Applied == h.Applied)
                result.External.Select(c => c.Key).Order().ShouldBe(h.External.Keys.Order());
        });
    }

    [Fact]
    public void Only_an_intent_planned_against_the_known_ETag_and_visible_in_the_store_is_ever_ours()
    {
        HistoryGen.Sample(h =>
        {
            var result = Reconciler.Reconcile(h.Known, h.Observed, h.Journal);
            if (result.Applied is { } applied)
            {
                applied.ETagBefore.ShouldBe(KnownETag);
                applied.IsIn(h.Observed.Items).ShouldBeTrue();
                applied.Writes.ShouldAllBe(w => h.Known.Items.GetValueOrDefault(w.Key) != w.Value);
            }
            if (h.Applied is null && h.External.Count == 0)
            {
                result.Applied.ShouldBeNull();
                result.External.ShouldBeEmpty();
            }
        });
    }

    [Fact]
    public void Every_journal_entry_ends_applied_open_or_dead_and_only_those_planned_against_the_current_ETag_stay_open()
    {
        HistoryGen.Sample(h =>
        {
            var result = Reconciler.Reconcile(h.Known, h.Observed, h.Journal);
            var settled = result.Open.Concat(result.Dead).Concat(result.Applied is null ? [] : [result.Applied]).ToList();
            settled.Count.ShouldBe(h.Journal.Count);
            settled.ShouldBe(h.Journal, ignoreOrder: true);
            result.Open.ShouldAllBe(i => i.ETagBefore == h.Observed.ETag);
            result.Dead.ShouldAllBe(i => i.ETagBefore != h.Observed.ETag);
        });
    }
}
