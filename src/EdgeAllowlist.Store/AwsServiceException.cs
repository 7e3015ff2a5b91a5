using System.Net;

namespace EdgeAllowlist.Store;

/// <summary>
/// What every AWS service call fails with, as aws-sdk-net's <c>AmazonServiceException</c>: the service,
/// its error code, the HTTP status, the request id, and whether trying again is worthwhile. Each
/// service client throws its own subtype (<see cref="KvsException"/>, CloudFront's, MediaTailor's, …).
/// </summary>
public class AwsServiceException : Exception
{
    public AwsServiceException(string service, string errorCode, string message, HttpStatusCode statusCode, string? requestId, bool isRetryable, Exception? innerException = null)
        : base(message, innerException)
    {
        Service = service;
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
        IsRetryable = isRetryable;
    }

    /// <summary>The model's service id, e.g. <c>CloudFront</c>.</summary>
    public string Service { get; }

    /// <summary>The AWS error code, e.g. <c>Throttling</c> or <c>ConflictException</c>.</summary>
    public string ErrorCode { get; }

    public HttpStatusCode StatusCode { get; }

    public string? RequestId { get; }

    /// <summary>Throttling, a 5xx or no answer: the same request may succeed later.</summary>
    public bool IsRetryable { get; }

    /// <summary>
    /// True when an attempt of this write got no definite answer (5xx, timeout, dropped connection), so
    /// it may have been applied although the call failed. Re-read before deciding either way.
    /// </summary>
    public bool MayHaveBeenApplied { get; init; }
}
