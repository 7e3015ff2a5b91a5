using System.Text.Json;
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
/// only when one of the keys it read before changed; and a result is reused, on any store and at any
/// later time, while every key it read still holds the value it read and none of those values has
/// expired since (<see cref="ExpectationResult.StandsOn"/>). So a write runs only the probes its keys
/// touch, however long after the previous one it comes; the first write after a restart runs all.
/// </summary>
sealed class ExpectationChecks(ExpectationStore store, ExpectationEvaluator evaluator, TimeProvider time) : IChangeChecks
{
    /// <summary>Results kept per expectation: the store before and after the last change checked (refused or written, the next one starts from one of them).</summary>
    const int KeptPerExpectation = 2;

    public async Task<ChangeCheck?> PrepareAsync(Actor actor, CancellationToken cancellationToken) =>
        For(await store.ReadAsync(cancellationToken), actor.Force);

    public ChangeCheck For(ExpectationSet set, bool force) => new((before, after) => Flips(set, before, after), force);

    public IReadOnlyList<ExpectationFlip> Flips(ExpectationSet set, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var now = time.GetUtcNow();
        var changed = Changed(before, after);
        var flips = new List<ExpectationFlip>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var expectation in Checked(set, before, after, now))
        {
            var signature = Signature(expectation);
            seen.Add(signature);
            var was = Result(expectation, signature, before, now);
            // The function decides from the keys it read and the time: none of them changed, nothing can flip.
            // Failing already: the change cannot flip it.
            if (!was.Holds || !was.Reads.Keys.Any(changed.Contains))
                continue;
            var then = Result(expectation, signature, after, now);
            if (!then.Holds)
                flips.Add(new(expectation.Name, expectation.BuiltIn, expectation.Expect, was.Decision.Action, then.Decision.Action, then.Decision.Reason));
        }
        Forget(seen);
        return flips;
    }

    readonly Lock resultsLock = new();
    readonly Dictionary<string, ExpectationResult[]> results = new(StringComparer.Ordinal);

    /// <summary>The expectation's result on <paramref name="items"/> now: a kept one that still stands, else a run through the function (then kept).</summary>
    ExpectationResult Result(Expectation expectation, string signature, IReadOnlyDictionary<string, string> items, DateTimeOffset now)
    {
        ExpectationResult[] kept;
        lock (resultsLock)
            kept = results.GetValueOrDefault(signature) ?? [];
        foreach (var result in kept)
            if (result.StandsOn(items, now))
                return result;
        var fresh = evaluator.Evaluate(expectation, items, now);
        lock (resultsLock)
            results[signature] = [fresh, .. (results.GetValueOrDefault(signature) ?? []).Take(KeptPerExpectation - 1)];
        return fresh;
    }

    /// <summary>Drops the results of expectations no longer checked (deleted, muted, an origin no longer probed), once they outnumber those checked.</summary>
    void Forget(HashSet<string> checkedNow)
    {
        lock (resultsLock)
        {
            if (results.Count <= 2 * checkedNow.Count + 64)
                return;
            foreach (var signature in results.Keys.Where(s => !checkedNow.Contains(s)).ToList())
                results.Remove(signature);
        }
    }

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

    /// <summary>What an expectation runs and wants, unambiguously (JSON), so a result is reused only for the very same probes.</summary>
    static string Signature(Expectation e) =>
        JsonSerializer.Serialize(new
        {
            e.Name,
            e.Expect,
            e.Reason,
            e.AnyProbe,
            Probes = e.Probes.Select(p => new { p.Method, p.Uri, p.Query, p.At, p.SecretKey, Headers = p.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new[] { h.Key, h.Value }) }),
        });

    /// <summary>Every expectation on <paramref name="items"/> now, muted built-ins included (listing, status).</summary>
    public IReadOnlyList<Evaluated> EvaluateAll(ExpectationSet set, IReadOnlyDictionary<string, string> items)
    {
        var now = time.GetUtcNow();
        return [.. All(set, items, items, now).Select(e => new Evaluated(e, Result(e, Signature(e), items, now), e.BuiltIn ? set.Muted.GetValueOrDefault(e.Name) : null))];
    }

    static IEnumerable<Expectation> Checked(ExpectationSet set, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, DateTimeOffset now) =>
        All(set, before, after, now).Where(e => !e.BuiltIn || !set.Muted.ContainsKey(e.Name));

    static IEnumerable<Expectation> All(ExpectationSet set, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, DateTimeOffset now) =>
        set.Defined.Select(d => d.ToExpectation()).Concat(BuiltInExpectations.Derive(before, after, now));
}
