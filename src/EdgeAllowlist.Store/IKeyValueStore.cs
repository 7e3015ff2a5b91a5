namespace EdgeAllowlist.Store;

/// <summary>
/// The one seam between the product and a CloudFront KeyValueStore. Shaped after the KVS data plane
/// (DescribeKeyValueStore, GetKey, ListKeys, UpdateKeys) so that the AWS client, the embedded local
/// store and anything that wraps them behave the same. Failures surface as <see cref="KvsException"/>.
/// </summary>
public interface IKeyValueStore
{
    /// <summary>Item count, total bytes and the store-wide ETag that the next write must send.</summary>
    Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>The value of <paramref name="key"/>, or null when the key does not exist.</summary>
    Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>One page of keys in ordinal key order; pass the returned NextToken for the next page.</summary>
    Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies all puts and deletes at once or none of them, only if the store is still at
    /// <paramref name="ifMatch"/>; otherwise throws a <see cref="KvsErrorKind.Conflict"/> error.
    /// </summary>
    /// <summary>
    /// Throws a <see cref="KvsException"/> when the store cannot take a write now (its folder is
    /// full, say). A remote store cannot be probed without writing, so by default this only checks
    /// that it answers.
    /// </summary>
    async Task CheckWritableAsync(CancellationToken cancellationToken = default) => await DescribeAsync(cancellationToken);

    Task<WriteResult> UpdateKeysAsync(
        string ifMatch,
        IReadOnlyCollection<KeyValueItem> puts,
        IReadOnlyCollection<string> deletes,
        CancellationToken cancellationToken = default);
}

public sealed record KeyValueItem(string Key, string Value);

public sealed record KeyPage(IReadOnlyList<KeyValueItem> Items, string? NextToken);

public sealed record StoreDescription(
    string KvsArn,
    long ItemCount,
    long TotalSizeInBytes,
    string ETag,
    DateTimeOffset Created,
    DateTimeOffset? LastModified,
    string Status,
    string? FailureReason = null)
{
    /// <summary>
    /// The embedded store's write counter, which only grows; null for a CloudFront KVS, whose ETags
    /// are opaque. A store whose version is below one the service acknowledged was rolled back.
    /// </summary>
    public long? Version { get; init; }
}

/// <param name="Version">As <see cref="StoreDescription.Version"/>: the embedded store's version after the write, null for a CloudFront KVS.</param>
public sealed record WriteResult(string ETag, long ItemCount, long TotalSizeInBytes, long? Version = null);
