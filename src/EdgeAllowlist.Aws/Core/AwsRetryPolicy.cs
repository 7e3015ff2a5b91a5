using System.Net;

namespace EdgeAllowlist.Aws.Core;

/// <summary>Attempts and backoff of <see cref="AwsRetryPolicy"/>.</summary>
public sealed record AwsRetryOptions
{
    /// <summary>Attempts per call, the first included (the SDKs' standard mode: 3; the KVS client's setting: 4).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The delay before retry n is random in [0, min(MaxBackoff, BaseBackoff × 2^(n-1))]: full jitter.</summary>
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed for one attempt; past it the attempt counts as a network fault.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The one retry rule of every AWS call here, as the SDKs' standard retry mode has it: throttling
/// (by code, whatever the status: CloudFront sends <c>Throttling</c> as 400, others as 429), 5xx and
/// network faults are retried with full-jitter exponential backoff; everything else is final.
/// </summary>
public static class AwsRetryPolicy
{
    // The throttling codes of the SDKs' standard retry mode (botocore's _retry.json "throttling" list).
    static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    // Transient codes of the same list: the service failed, not the request.
    static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalServerError", "InternalServerException", "ServiceUnavailable",
    };

    public static bool IsThrottling(string code, HttpStatusCode status) => ThrottlingCodes.Contains(code) || status == HttpStatusCode.TooManyRequests;

    public static bool IsRetryable(string code, HttpStatusCode status) =>
        IsThrottling(code, status) || TransientCodes.Contains(code) || (int)status is 500 or 502 or 503 or 504;

    /// <summary>Full jitter: a random delay up to min(max, base × 2^(attempt-1)), attempt 1 being the first retry.</summary>
    public static TimeSpan Backoff(AwsRetryOptions options, int attempt)
    {
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.BaseBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
