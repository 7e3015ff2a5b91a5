using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Cli.Aws.MediaTailor;

/// <summary>
/// The two MediaTailor operations a rotation needs (rest-json, SigV4, signing name <c>mediatailor</c>).
/// Configurations stay JSON objects end to end so that no field is lost to a model this tool does not know.
/// </summary>
public sealed class MediaTailorClient(SignedHttpClient http)
{
    public const string SigningName = "mediatailor";

    public static Uri DefaultEndpoint(string region) => new($"https://api.mediatailor.{region}.amazonaws.com");

    public async Task<JsonObject> GetPlaybackConfigurationAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await http.SendAsync(HttpMethod.Get, $"/playbackConfiguration/{Uri.EscapeDataString(name)}", cancellationToken: cancellationToken);
        return ReadObject(response);
    }

    /// <summary>Replaces the whole configuration: every field left out reverts to its default.</summary>
    public async Task<JsonObject> PutPlaybackConfigurationAsync(JsonObject configuration, CancellationToken cancellationToken = default)
    {
        var body = Encoding.UTF8.GetBytes(configuration.ToJsonString());
        var response = await http.SendAsync(HttpMethod.Put, "/playbackConfiguration", body: body, contentType: "application/json", cancellationToken: cancellationToken);
        return ReadObject(response);
    }

    static JsonObject ReadObject(AwsHttpResponse response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
            throw MediaTailorException.FromResponse(response);
        return JsonNode.Parse(response.Body) as JsonObject
            ?? throw new MediaTailorException(response.StatusCode, "InvalidResponse", "MediaTailor answered with a body that is not a JSON object.", response.RequestId);
    }
}

public sealed class MediaTailorException(HttpStatusCode statusCode, string errorCode, string message, string? requestId)
    : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The AWS error type, e.g. <c>NotFoundException</c>.</summary>
    public string ErrorCode { get; } = errorCode;

    public string? RequestId { get; } = requestId;

    /// <summary>rest-json errors name their type in <c>x-amzn-ErrorType</c> (possibly with a <c>:url</c> suffix) or in the body's <c>__type</c>.</summary>
    public static MediaTailorException FromResponse(AwsHttpResponse response)
    {
        string? message = null, type = null;
        try
        {
            if (JsonNode.Parse(response.Body) is JsonObject body)
            {
                message = (body["message"] ?? body["Message"])?.GetValue<string>();
                type = body["__type"]?.GetValue<string>();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): the status code is all there is.
        }
        type = response.Header("x-amzn-ErrorType") ?? type ?? $"Http{(int)response.StatusCode}";
        type = type.Split(':')[0];
        type = type[(type.LastIndexOf('#') + 1)..];
        return new(response.StatusCode, type, message ?? $"MediaTailor answered {(int)response.StatusCode}.", response.RequestId);
    }
}
