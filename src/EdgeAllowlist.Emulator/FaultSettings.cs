namespace EdgeAllowlist.Emulator;

/// <summary>
/// Faults the emulator injects into data-plane calls, from configuration (<c>Emulator:Faults</c>) or
/// <c>PUT /_emulator/faults</c>. Rates are probabilities from 0 to 1; with a seed, the same sequence
/// of calls meets the same faults.
/// </summary>
public sealed record FaultSettings
{
    public int? Seed { get; init; }

    /// <summary>Added to every data-plane call before it runs.</summary>
    public int LatencyMilliseconds { get; init; }

    /// <summary>Share of calls answered with an error from <see cref="ErrorStatusCodes"/> without running them.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Status codes to pick from for <see cref="ErrorRate"/>; empty means 500.</summary>
    public IReadOnlyList<int> ErrorStatusCodes { get; init; } = [];

    /// <summary>Share of writes refused with 409 ConflictException as if another writer had won.</summary>
    public double ConflictRate { get; init; }

    /// <summary>Share of writes that are applied and then answered with 500 InternalServerException.</summary>
    public double FailAfterApplyRate { get; init; }

    /// <summary>Share of writes that are applied and then answered by dropping the connection.</summary>
    public double DropConnectionAfterApplyRate { get; init; }

    /// <summary>
    /// Share of ListKeys calls returning a listing's last page after which the emulator itself edits the store
    /// (puts <c>emulator-edit-&lt;version&gt;</c>, the store version that edit makes) before the page is answered:
    /// someone editing the store faster than a whole listing takes, so every listing is stale once read.
    /// </summary>
    public double EditAfterListingRate { get; init; }

    /// <summary>The first problem with these settings, or null when they are usable.</summary>
    public string? Problem()
    {
        foreach (var (name, rate) in new[]
                 {
                     (nameof(ErrorRate), ErrorRate), (nameof(ConflictRate), ConflictRate),
                     (nameof(FailAfterApplyRate), FailAfterApplyRate), (nameof(DropConnectionAfterApplyRate), DropConnectionAfterApplyRate),
                     (nameof(EditAfterListingRate), EditAfterListingRate),
                 })
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate)) return $"{name} must be between 0 and 1.";
        }

        if (LatencyMilliseconds is < 0 or > 60_000) return $"{nameof(LatencyMilliseconds)} must be between 0 and 60000.";
        var bad = ErrorStatusCodes.Where(c => c is < 400 or > 599).Select(c => (int?)c).FirstOrDefault();
        return bad is null ? null : $"{nameof(ErrorStatusCodes)} may hold only 4xx and 5xx codes; {bad} is not one.";
    }
}
