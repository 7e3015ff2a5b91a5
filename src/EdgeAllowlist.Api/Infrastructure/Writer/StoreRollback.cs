using EdgeAllowlist.Api.Infrastructure.Errors;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// The store is older than what the database acknowledged: answering from it would deny what a 2xx
/// promised, and auditing the difference as someone else's change would be false. Until the store is
/// restored or an operator runs <c>admin accept-store-rollback</c>, reads of rules and writes are
/// refused with this 503, and /readyz names it.
/// </summary>
public sealed class StoreRolledBackException(string reason, IReadOnlyList<string> missingKeys) : ProblemException(
    StatusCodes.Status503ServiceUnavailable,
    $"The key value store was rolled back: {reason}. {missingKeys.Count} acknowledged key change(s) are missing from it"
    + (missingKeys.Count == 0 ? "" : $" ({string.Join(", ", missingKeys.Take(5))}{(missingKeys.Count > 5 ? ", …" : "")})")
    + ". Nothing was written. Recover by restoring the store from a backup (the service resumes by itself within seconds), or stop the service and run "
    + $"'EdgeAllowlist.Api admin {StoreRollback.Command} --reapply' (writes the acknowledged state back, audited) or '--accept-loss' (keeps the store as it is, audited).",
    "store", extensions: new Dictionary<string, object> { ["missingChanges"] = missingKeys.Count })
{
    public IReadOnlyList<string> MissingKeys { get; } = missingKeys;
}

/// <summary>
/// When a store that moved since the service last saw it was rolled back rather than edited. The
/// embedded store counts its writes, so there it is exact: a version below the acknowledged one. A
/// CloudFront KVS's ETags are opaque, so there two signs are taken as a suspected rollback: the store
/// is back at an ETag the service saw before the newest one it acknowledged, or it lost at least
/// <see cref="LostKeysThreshold"/> acknowledged keys, and at least a tenth of them, at once (a store
/// restored from an old copy or emptied; an operator deleting that many keys by hand must accept it).
/// </summary>
public static class StoreRollback
{
    public const string Command = "accept-store-rollback";

    public const int LostKeysThreshold = 25;

    /// <summary>Why <paramref name="observed"/> is a rollback of <paramref name="known"/>, or null when it is not.</summary>
    public static string? Detect(StoreState known, StoreState observed, long? acknowledgedVersion, IReadOnlyDictionary<string, long> seen)
    {
        if (known.ETag is null || observed.ETag == known.ETag)
            return null;
        if (observed.Version is { } version && acknowledgedVersion is { } acknowledged && version < acknowledged)
            return $"the store is at version {version}, older than version {acknowledged} which this service acknowledged";
        if (seen.TryGetValue(observed.ETag!, out var then) && seen.TryGetValue(known.ETag, out var newest) && then < newest)
            return $"the store is back at ETag {observed.ETag}, which this service saw before ETag {known.ETag}, the newest it acknowledged";
        if (observed.Version is null)
        {
            var lost = known.Items.Keys.Count(k => !observed.Items.ContainsKey(k));
            if (lost >= LostKeysThreshold && lost * 10 >= known.Items.Count)
                return $"{lost} of the {known.Items.Count} acknowledged keys are gone at once (suspected at {LostKeysThreshold} keys and a tenth of the store)";
        }
        return null;
    }

    /// <summary>The keys whose acknowledged value the store does not hold.</summary>
    public static List<string> Missing(StoreState known, StoreState observed) =>
        [.. known.Items.Keys.Union(observed.Items.Keys, StringComparer.Ordinal)
            .Where(k => known.Items.GetValueOrDefault(k) != observed.Items.GetValueOrDefault(k))
            .Order(StringComparer.Ordinal)];
}
