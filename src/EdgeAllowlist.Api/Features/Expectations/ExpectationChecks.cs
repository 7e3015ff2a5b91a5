using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>One expectation and how it fares on a store.</summary>
sealed record Evaluated(Expectation Expectation, ExpectationResult Result, MutedBuiltIn? Muted);

/// <summary>
/// The check every write goes through (<see cref="IChangeChecks"/>): the admin's expectations and
/// the built-in ones not muted, run through the function on the store as it is and as the change
/// would leave it. An expectation flips when it holds before and not after; one that fails already
/// is not the change's doing (status names it). An expectation is run on the store after the change
/// only when one of the keys it read before changed, and results are reused from the last store
/// checked, so a write usually runs only the few probes its keys touch.
/// </summary>
sealed class ExpectationChecks(ExpectationStore store, ExpectationEvaluator evaluator, TimeProvider time) : IChangeChecks
{
    public async Task<ChangeCheck?> PrepareAsync(Actor actor, CancellationToken cancellationToken) =>
        For(await store.ReadAsync(cancellationToken), actor.Force);

    public ChangeCheck For(ExpectationSet set, bool force) => new((before, after) => Flips(set, before, after), force);

    public IReadOnlyList<ExpectationFlip> Flips(ExpectationSet set, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var now = time.GetUtcNow();
        var changed = Changed(before, after);
        var flips = new List<ExpectationFlip>();
        var wasResults = Cached(before, now);
        var thenResults = new Dictionary<string, ExpectationResult>(StringComparer.Ordinal);
        foreach (var expectation in Checked(set, before, after, now))
        {
            var signature = Signature(expectation);
            if (!wasResults.TryGetValue(signature, out var was))
                wasResults[signature] = was = evaluator.Evaluate(expectation, before, now);
            // The function decides from the keys it read and the time: none of them changed, nothing can flip.
            if (!was.Reads.Keys.Any(changed.Contains))
            {
                thenResults[signature] = was;
                continue;
            }
            // Failing already: the change cannot flip it (and its result after is not known, so not kept).
            if (!was.Holds)
                continue;
            var then = thenResults[signature] = evaluator.Evaluate(expectation, after, now);
            if (!then.Holds)
                flips.Add(new(expectation.Name, expectation.BuiltIn, expectation.Expect, was.Decision.Action, then.Decision.Action, then.Decision.Reason));
        }
        Remember(before, wasResults, after, thenResults, now);
        return flips;
    }

    // The results on the last store checked, before and after: the next change of a batch is checked
    // from the store the previous one leaves, and the next batch from the store the last one wrote, so
    // most results are reused and only expectations that read a changed key run again. Valid within the
    // second they were computed in (expiries are whole seconds).
    readonly Lock cacheLock = new();
    (IReadOnlyDictionary<string, string> State, long Second, Dictionary<string, ExpectationResult> Results)[] cache = [];

    Dictionary<string, ExpectationResult> Cached(IReadOnlyDictionary<string, string> state, DateTimeOffset now)
    {
        lock (cacheLock)
        {
            foreach (var (cached, second, results) in cache)
                if (second == now.ToUnixTimeSeconds() && SameItems(cached, state))
                    return new(results, StringComparer.Ordinal);
        }
        return new(StringComparer.Ordinal);
    }

    void Remember(IReadOnlyDictionary<string, string> before, Dictionary<string, ExpectationResult> was, IReadOnlyDictionary<string, string> after,
        Dictionary<string, ExpectationResult> then, DateTimeOffset now)
    {
        lock (cacheLock)
            cache = [(before, now.ToUnixTimeSeconds(), was), (after, now.ToUnixTimeSeconds(), then)];
    }

    static bool SameItems(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        ReferenceEquals(a, b) || a.Count == b.Count && a.All(i => b.TryGetValue(i.Key, out var value) && value == i.Value);

    static HashSet<string> Changed(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in after)
            if (!before.TryGetValue(key, out var old) || old != value)
                changed.Add(key);
        foreach (var key in before.Keys)
            if (!after.ContainsKey(key))
                changed.Add(key);
        return changed;
    }

    /// <summary>What an expectation runs and wants, so a result is reused only for the very same probes.</summary>
    static string Signature(Expectation e) =>
        string.Join('\n', [e.Name, e.Expect, e.Reason ?? "", e.AnyProbe ? "any" : "all",
            .. e.Probes.Select(p => $"{p.Method} {p.Uri}?{p.Query} {p.At?.ToUnixTimeMilliseconds()} {p.SecretKey} {string.Join('\t', p.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}:{h.Value}"))}")]);

    /// <summary>Every expectation on <paramref name="items"/> now, muted built-ins included (listing, status).</summary>
    public IReadOnlyList<Evaluated> EvaluateAll(ExpectationSet set, IReadOnlyDictionary<string, string> items)
    {
        var now = time.GetUtcNow();
        return [.. All(set, items, items, now).Select(e => new Evaluated(e, evaluator.Evaluate(e, items, now), e.BuiltIn ? set.Muted.GetValueOrDefault(e.Name) : null))];
    }

    static IEnumerable<Expectation> Checked(ExpectationSet set, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, DateTimeOffset now) =>
        All(set, before, after, now).Where(e => !e.BuiltIn || !set.Muted.ContainsKey(e.Name));

    static IEnumerable<Expectation> All(ExpectationSet set, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, DateTimeOffset now) =>
        set.Defined.Select(d => d.ToExpectation()).Concat(BuiltInExpectations.Derive(before, after, now));
}
