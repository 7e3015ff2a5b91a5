using System.Text.Json.Serialization;

namespace EdgeAllowlist.Aws.KeyValueStore;

// The JSON bodies of the KVS data plane (rest-json, service-2.json 2022-07-26), member names as in
// the model. Shared by the client and the emulator so both speak the same shapes.

public sealed record DescribeKeyValueStoreBody(
    int ItemCount,
    long TotalSizeInBytes,
    string KvsARN,
    double Created,
    double? LastModified,
    string? Status,
    string? FailureReason);

public sealed record GetKeyBody(string Key, string Value, int ItemCount, long TotalSizeInBytes);

public sealed record ListKeysItem(string Key, string Value);

public sealed record ListKeysBody(string? NextToken, IReadOnlyList<ListKeysItem> Items);

public sealed record PutKeyRequestBody(string? Value);

public sealed record DeleteKeyRequestListItem(string? Key);

public sealed record UpdateKeysRequestBody(IReadOnlyList<ListKeysItem?>? Puts, IReadOnlyList<DeleteKeyRequestListItem?>? Deletes);

public sealed record WriteBody(int ItemCount, long TotalSizeInBytes);

/// <summary>The error body AWS rest-json services send next to the <c>x-amzn-errortype</c> header.</summary>
public sealed record ErrorBody([property: JsonPropertyName("message")] string Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DescribeKeyValueStoreBody))]
[JsonSerializable(typeof(GetKeyBody))]
[JsonSerializable(typeof(ListKeysBody))]
[JsonSerializable(typeof(PutKeyRequestBody))]
[JsonSerializable(typeof(UpdateKeysRequestBody))]
[JsonSerializable(typeof(WriteBody))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class KvsWireJson : JsonSerializerContext;

/// <summary>AWS timestamps in rest-json bodies are epoch seconds (fractions allowed).</summary>
public static class EpochSeconds
{
    public static double From(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    public static DateTimeOffset To(double seconds) => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
}
