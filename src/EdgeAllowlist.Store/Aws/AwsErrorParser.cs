using System.Text.Json;

namespace EdgeAllowlist.Store.Aws;

/// <summary>Turns a rest-json error response into a <see cref="KvsException"/>.</summary>
static class AwsErrorParser
{
    // Throttling that some AWS front ends send as 400 rather than 429.
    static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown",
    };

    /// <summary>botocore's RestJSONParser rules: x-amzn-errortype, else body code/Code, else __type; message from message/Message.</summary>
    public static KvsException Parse(HttpResponseMessage response, byte[] content, string? requestId)
    {
        string? code = KeyValueStoreClient.Header(response, "x-amzn-errortype");
        string? message = null;
        try
        {
            if (content.Length > 0 && JsonSerializer.Deserialize(content, KvsWireJson.Default.JsonElement) is { ValueKind: JsonValueKind.Object } json)
            {
                code ??= Text(json, "code") ?? Text(json, "Code") ?? Text(json, "__type");
                message = Text(json, "message") ?? Text(json, "Message");
            }
        }
        catch (JsonException)
        {
            // A proxy's HTML error page: the status code still says what happened.
        }

        var status = (int)response.StatusCode;
        code = code is null ? status.ToString() : code.Split(':')[0].Split('#')[^1];
        var kind = ThrottlingCodes.Contains(code) ? KvsErrorKind.Throttled : status switch
        {
            400 => KvsErrorKind.Validation,
            402 => KvsErrorKind.QuotaExceeded,
            401 or 403 => KvsErrorKind.AccessDenied,
            404 => KvsErrorKind.NotFound,
            409 => KvsErrorKind.Conflict,
            429 => KvsErrorKind.Throttled,
            >= 500 => KvsErrorKind.ServerError,
            _ => KvsErrorKind.Validation,
        };
        return new(kind, code, message ?? $"{status} {response.ReasonPhrase}", response.StatusCode, requestId);
    }

    static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
