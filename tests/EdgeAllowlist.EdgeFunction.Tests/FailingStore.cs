using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>
/// Fault injection over the real local store: reads of the keys <paramref name="failure"/> picks
/// throw what a remote KVS could (a timeout, a 5xx); everything else reaches the real store.
/// The local store itself cannot fail on demand, so this is the one seam the tests wrap.
/// </summary>
sealed class FailingStore(IKeyValueStore inner, Func<string, KvsException?> failure) : IKeyValueStore
{
    public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) => inner.DescribeAsync(cancellationToken);

    public Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        failure(key) is { } error ? Task.FromException<KeyValueItem?>(error) : inner.GetAsync(key, cancellationToken);

    public Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(nextToken, maxResults, cancellationToken);

    public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default) =>
        inner.UpdateKeysAsync(ifMatch, puts, deletes, cancellationToken);
}
