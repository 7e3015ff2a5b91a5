using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Aws.Core;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Aws.CloudWatchLogs;

/// <summary>
/// CloudWatch Logs' <c>FilterLogEvents</c> (json-1.1: <c>POST /</c>, <c>X-Amz-Target:
/// Logs_20140328.FilterLogEvents</c>, SigV4 signing name <c>logs</c>), the one call rollout needs:
/// a log group's events in a time window, page after page while <c>nextToken</c> comes back. A
/// page holds at most 10,000 events or 1 MB, so memory stays bounded by one page.
/// </summary>
public sealed class CloudWatchLogsClient
{
    public const string SigningName = "logs";

    readonly AwsRequestPipeline pipeline;

    /// <param name="credentials">Asked per attempt, so temporary ones refresh; a failure is an <see cref="AwsCredentialsException"/>.</param>
    public CloudWatchLogsClient(HttpClient http, Uri endpoint, AWSCredentials credentials, TimeProvider? clock = null, AwsRetryOptions? retry = null) =>
        pipeline = new(http, new(AwsEndpoints.CloudWatchLogs, endpoint, SigningName, FunctionLogRegion, AwsProtocol.Json11),
            () => AwsCredentialChain.ResolveAsync(credentials), CloudWatchLogsException.From, retry, clock);

    /// <summary>CloudFront Functions log to us-east-1, whichever edge ran them (platform-facts §5.4).</summary>
    public const string FunctionLogRegion = "us-east-1";

    public const string Target = "Logs_20140328.FilterLogEvents";

    public static readonly Uri DefaultEndpoint = new($"https://logs.{FunctionLogRegion}.amazonaws.com");

    public static string FunctionLogGroup(string functionName) => $"/aws/cloudfront/function/{functionName}";

    /// <param name="progress">told the pages and events read so far, after each page</param>
    public async IAsyncEnumerable<FilteredLogEvent> FilterLogEventsAsync(string logGroupName, DateTimeOffset start, DateTimeOffset end, IProgress<(int Pages, long Events)>? progress = null,
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
            var response = await pipeline.SendAsync(new(HttpMethod.Post, "/", JsonSerializer.SerializeToUtf8Bytes(request), "application/x-amz-json-1.1",
                new Dictionary<string, string> { ["X-Amz-Target"] = Target }), cancellationToken);
            var page = response.ReadJsonObject("CloudWatch Logs");
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

/// <summary>One event of <c>FilterLogEvents</c>: its number in reading order, its message and its timestamp (ms since the epoch).</summary>
public readonly record struct FilteredLogEvent(long Number, string? Text, long? TimestampMs);

/// <summary>A CloudWatch Logs error (aws-sdk-net's <c>AmazonCloudWatchLogsException</c>), e.g. <c>ResourceNotFoundException</c>.</summary>
public sealed class CloudWatchLogsException(AwsFailure failure)
    : AwsServiceException(failure.ServiceId, failure.Code, failure.Message, failure.StatusCode ?? HttpStatusCode.ServiceUnavailable, failure.RequestId, failure.IsRetryable, failure.InnerException)
{
    public static CloudWatchLogsException From(AwsFailure failure) => new(failure) { MayHaveBeenApplied = failure.MayHaveBeenApplied };
}
