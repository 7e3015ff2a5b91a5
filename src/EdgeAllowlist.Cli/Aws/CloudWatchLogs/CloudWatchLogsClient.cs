using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.Cli.Aws.CloudWatchLogs;

/// <summary>
/// CloudWatch Logs' <c>FilterLogEvents</c> (json-1.1: <c>POST /</c>, <c>X-Amz-Target:
/// Logs_20140328.FilterLogEvents</c>, SigV4 signing name <c>logs</c>), the one call rollout needs:
/// a log group's events in a time window, page after page while <c>nextToken</c> comes back. A
/// page holds at most 10,000 events or 1 MB, so memory stays bounded by one page.
/// </summary>
public sealed class CloudWatchLogsClient(SignedHttpClient http)
{
    public const string SigningName = "logs";

    /// <summary>CloudFront Functions log to us-east-1, whichever edge ran them (platform-facts §5.4).</summary>
    public const string FunctionLogRegion = "us-east-1";

    public const string Target = "Logs_20140328.FilterLogEvents";

    public static readonly Uri DefaultEndpoint = new($"https://logs.{FunctionLogRegion}.amazonaws.com");

    public static string FunctionLogGroup(string functionName) => $"/aws/cloudfront/function/{functionName}";

    /// <param name="progress">told the pages and events read so far, after each page</param>
    public async IAsyncEnumerable<LogMessage> FilterLogEventsAsync(string logGroupName, DateTimeOffset start, DateTimeOffset end, IProgress<(int Pages, long Events)>? progress = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        var (pages, events) = (0, 0L);
        do
        {
            var request = new JsonObject
            {
                ["logGroupName"] = logGroupName,
                ["startTime"] = start.ToUnixTimeMilliseconds(),
                ["endTime"] = end.ToUnixTimeMilliseconds(),
            };
            if (token is not null)
                request["nextToken"] = token;
            var response = await http.SendAsync(HttpMethod.Post, "/", body: JsonSerializer.SerializeToUtf8Bytes(request), contentType: "application/x-amz-json-1.1",
                headers: new Dictionary<string, string> { ["X-Amz-Target"] = Target }, cancellationToken: cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
                throw CloudWatchLogsException.FromResponse(response);
            var page = JsonNode.Parse(response.Body) as JsonObject
                ?? throw new CloudWatchLogsException(response.StatusCode, "InvalidResponse", "CloudWatch Logs answered with a body that is not a JSON object.");
            foreach (var item in page["events"]?.AsArray() ?? [])
            {
                events++;
                yield return new(events, item?["message"]?.GetValue<string>(), item?["timestamp"]?.GetValue<long>());
            }
            progress?.Report((++pages, events));
            var next = page["nextToken"]?.GetValue<string>();
            // A service that hands back the token it was given would page forever.
            token = next is { Length: > 0 } && next != token ? next : null;
        }
        while (token is not null);
    }
}

public sealed class CloudWatchLogsException(HttpStatusCode statusCode, string errorCode, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The AWS error type, e.g. <c>ResourceNotFoundException</c>.</summary>
    public string ErrorCode { get; } = errorCode;

    /// <summary>json-1.1 errors name their type in the body's <c>__type</c> (possibly <c>namespace#Type</c>).</summary>
    public static CloudWatchLogsException FromResponse(AwsHttpResponse response)
    {
        string? type = null, message = null;
        try
        {
            if (JsonNode.Parse(response.Body) is JsonObject body)
            {
                type = body["__type"]?.GetValue<string>();
                message = (body["message"] ?? body["Message"])?.GetValue<string>();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the status alone names the failure.
        }
        type = type?[(type.LastIndexOf('#') + 1)..];
        return new(response.StatusCode, type ?? response.StatusCode.ToString(), message ?? $"HTTP {(int)response.StatusCode}");
    }
}
