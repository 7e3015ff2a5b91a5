using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Store;

namespace EdgeAllowlist.Api.Features.Simulate;

/// <summary>
/// The live store as one simulated request sees it: read-only, recording each key read, and with
/// <c>cfg.reason</c> switched on so a denial names its rule. <c>reason</c> only adds a header to a
/// denial; it changes no decision, no status and no read. <see cref="PolicyShowsReason"/> tells
/// whether the real policy would show it too.
/// </summary>
sealed class RecordingStore(IKeyValueStore inner) : IKeyValueStore
{
    readonly List<KvsRead> reads = [];

    public IReadOnlyList<KvsRead> Reads => reads;

    public bool PolicyShowsReason { get; private set; }

    public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) => inner.DescribeAsync(cancellationToken);

    public async Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var item = await inner.GetAsync(key, cancellationToken);
        reads.Add(new(key, item is not null));
        return item is { Key: KvsLayout.ConfigKey } ? item with { Value = WithReason(item.Value) } : item;
    }

    public Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(nextToken, maxResults, cancellationToken);

    public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A simulation never writes to the store.");

    string WithReason(string cfg)
    {
        try
        {
            if (JsonNode.Parse(cfg) is not JsonObject policy)
                return cfg;
            PolicyShowsReason = policy["reason"] is JsonValue shown && shown.TryGetValue<bool>(out var on) && on;
            policy["reason"] = true;
            return policy.ToJsonString();
        }
        catch (JsonException)
        {
            // A malformed policy is simulated as it is: the function denies with reason cfg.
            return cfg;
        }
    }
}

/// <summary>One key the function read, and whether it was there.</summary>
sealed record KvsRead(string Key, bool Found);
