namespace EdgeAllowlist.Api.Infrastructure.Writer;

public sealed class WriterOptions : Configuration.ISettings
{
    public static string Section => "Writer";

    /// <summary>Keys per UpdateKeys call; KVS allows 50, some accounts were seen to refuse more than 32.</summary>
    public int MaxKeysPerBatch { get; set; } = KvsLimits.MaxKeysPerUpdate;

    /// <summary>How many times one batch is re-planned after the store's ETag moved under it.</summary>
    public int MaxConflictRetries { get; set; } = 5;

    /// <summary>How many times a re-read after a failed write is tried before the batch fails with the re-read's error.</summary>
    public int MaxReadAttempts { get; set; } = 4;

    /// <summary>How many listings of a store that keeps moving are tried before one is paired with the ETag from before it.</summary>
    public int MaxListings { get; set; } = 6;

    /// <summary>
    /// How often each instance asks the store for its ETag (one DescribeKeyValueStore, not a listing)
    /// to notice a change made outside it; reads serve the new state within this plus one re-read.
    /// </summary>
    public TimeSpan StorePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request waits for a writer that has not read the store yet before it is answered 503.</summary>
    public TimeSpan StartWait { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (MaxKeysPerBatch is < 1 or > KvsLimits.MaxKeysPerUpdate)
            yield return (nameof(MaxKeysPerBatch), $"must be between 1 and {KvsLimits.MaxKeysPerUpdate}, the store's limit per UpdateKeys call (got {MaxKeysPerBatch})");
        if (MaxConflictRetries < 0) yield return (nameof(MaxConflictRetries), $"must be 0 or more (got {MaxConflictRetries})");
        if (MaxReadAttempts < 1) yield return (nameof(MaxReadAttempts), $"must be at least 1 (got {MaxReadAttempts})");
        if (MaxListings < 1) yield return (nameof(MaxListings), $"must be at least 1 (got {MaxListings})");
        if (StorePollInterval <= TimeSpan.Zero) yield return (nameof(StorePollInterval), $"must be positive (got {StorePollInterval})");
        if (StartWait < TimeSpan.Zero) yield return (nameof(StartWait), $"must not be negative (got {StartWait})");
    }
}
