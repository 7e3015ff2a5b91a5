using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Simulate;

/// <summary>
/// The current store as the function sees it, read-only, recording every key it reads. The policy is
/// read with <c>reason</c> switched on, so a simulated denial always says which rule denied it;
/// nothing else about the decision changes.
/// </summary>
sealed class ReadRecordingStore(IKeyValueStore inner) : IKeyValueStore
{
    readonly List<KeyRead> reads = [];

    public IReadOnlyList<string> KeysRead => [.. Reads.Select(r => r.Key)];

    /// <summary>The function's trace: every key in the order it read them, with what the store gave it (as stored, before <c>reason</c> is switched on).</summary>
    public IReadOnlyList<KeyRead> Reads
    {
        get
        {
            lock (reads)
                return [.. reads];
        }
    }

    public async Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValueItem? item;
        try
        {
            item = await inner.GetAsync(key, cancellationToken);
        }
        catch
        {
            // The function saw the read fail: still a step of its trace.
            lock (reads)
                reads.Add(new(key, false, null, Failed: true));
            throw;
        }
        lock (reads)
            reads.Add(new(key, item is not null, item?.Value));
        return item is null || key != KvsLayout.ConfigKey ? item : item with { Value = WithReason(item.Value) };
    }

    /// <summary><c>cfg</c> with <c>reason</c> on, so a denial names its rule; a value that is not a JSON object is left for the function to fail on.</summary>
    public static string WithReason(string policyValue)
    {
        try
        {
            var policy = JsonNode.Parse(policyValue)!.AsObject();
            policy["reason"] = true;
            return policy.ToJsonString();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return policyValue;
        }
    }

    public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) => inner.DescribeAsync(cancellationToken);

    public Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(nextToken, maxResults, cancellationToken);

    public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A simulation never writes to the store.");
}

/// <summary>One key the function read: whether the store had it, and its value (KVS values hold no secret in clear).</summary>
sealed record KeyRead(string Key, bool Found, string? Value, bool Failed = false);
