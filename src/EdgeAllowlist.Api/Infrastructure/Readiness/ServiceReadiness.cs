using System.Collections.Concurrent;

namespace EdgeAllowlist.Api.Infrastructure.Readiness;

/// <summary>
/// Conditions that keep the service unready although its dependencies answer: the schema not yet
/// checked, a damaged database, and whatever a later check finds (a rolled-back store, a tampered
/// mirror). Whoever finds one reports it under its own name and clears it when it is gone; /readyz
/// is 503 while any is reported and lists each as "name: problem". Held per process: each instance
/// reports what it found itself.
/// </summary>
public sealed class ServiceReadiness
{
    readonly ConcurrentDictionary<string, string> conditions = new(StringComparer.Ordinal);

    /// <summary>Not ready because of <paramref name="problem"/>, until <see cref="Clear"/> with the same <paramref name="condition"/>.</summary>
    public void Report(string condition, string problem) => conditions[condition] = problem;

    public void Clear(string condition) => conditions.TryRemove(condition, out _);

    public bool Has(string condition) => conditions.ContainsKey(condition);

    /// <summary>Each condition reported now, as "name: problem", in name order.</summary>
    public IReadOnlyList<string> Problems => [.. conditions.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}")];
}
