using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Store;

namespace EdgeAllowlist.Api.Features.Simulate;

/// <summary>
/// The current store as the function sees it, read-only, recording every key it reads. The policy is
/// read with <c>reason</c> switched on, so a simulated denial always says which rule denied it;
/// nothing else about the decision changes.
/// </summary>
sealed class ReadRecordingStore(IKeyValueStore inner) : IKeyValueStore
{
    readonly List<string> keysRead = [];

    public IReadOnlyList<string> KeysRead
    {
        get
        {
            lock (keysRead)
                return [.. keysRead];
        }
    }

    public async Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (keysRead)
            keysRead.Add(key);
        var item = await inner.GetAsync(key, cancellationToken);
        if (item is null || key != KvsLayout.ConfigKey)
            return item;
        try
        {
            var policy = JsonNode.Parse(item.Value)!.AsObject();
            policy["reason"] = true;
            return item with { Value = policy.ToJsonString() };
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return item;
        }
    }

    public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) => inner.DescribeAsync(cancellationToken);

    public Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(nextToken, maxResults, cancellationToken);

    public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A simulation never writes to the store.");
}
