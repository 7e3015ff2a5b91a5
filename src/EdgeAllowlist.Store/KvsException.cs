using System.Net;

namespace EdgeAllowlist.Store;

/// <summary>What went wrong, independent of which store adapter reported it.</summary>
public enum KvsErrorKind
{
    /// <summary>400 ValidationException: the request itself is wrong; never retried.</summary>
    Validation,
    /// <summary>402 ServiceQuotaExceededException: a KVS quota (size, batch) would be exceeded.</summary>
    QuotaExceeded,
    /// <summary>403 AccessDeniedException or a signature failure.</summary>
    AccessDenied,
    /// <summary>404 ResourceNotFoundException.</summary>
    NotFound,
    /// <summary>409 ConflictException: the If-Match ETag is stale; re-read before trying again.</summary>
    Conflict,
    /// <summary>429: the service asked us to slow down.</summary>
    Throttled,
    /// <summary>5xx from the service.</summary>
    ServerError,
    /// <summary>No answer: connection refused or dropped, or a timeout.</summary>
    Unavailable,
}

/// <summary>A store call failed; thrown by every store adapter (the AWS client, the local store), so callers branch on <see cref="Kind"/>.</summary>
public sealed class KvsException : AwsServiceException
{
    /// <summary>The model's service id.</summary>
    public const string ServiceId = "CloudFront KeyValueStore";

    public KvsException(KvsErrorKind kind, string errorCode, string message, HttpStatusCode? statusCode = null, string? requestId = null, Exception? innerException = null)
        : base(ServiceId, errorCode, message, statusCode ?? DefaultStatus(kind), requestId, kind is KvsErrorKind.Throttled or KvsErrorKind.ServerError or KvsErrorKind.Unavailable, innerException)
    {
        Kind = kind;
    }

    public KvsErrorKind Kind { get; }

    public bool IsTransient => IsRetryable;

    public static KvsException Validation(string message) => new(KvsErrorKind.Validation, "ValidationException", message);

    public static KvsException QuotaExceeded(string message) => new(KvsErrorKind.QuotaExceeded, "ServiceQuotaExceededException", message);

    public static KvsException Conflict(string message) => new(KvsErrorKind.Conflict, "ConflictException", message);

    public static KvsException NotFound(string message) => new(KvsErrorKind.NotFound, "ResourceNotFoundException", message);

    public static HttpStatusCode DefaultStatus(KvsErrorKind kind) => kind switch
    {
        KvsErrorKind.Validation => HttpStatusCode.BadRequest,
        KvsErrorKind.QuotaExceeded => HttpStatusCode.PaymentRequired,
        KvsErrorKind.AccessDenied => HttpStatusCode.Forbidden,
        KvsErrorKind.NotFound => HttpStatusCode.NotFound,
        KvsErrorKind.Conflict => HttpStatusCode.Conflict,
        KvsErrorKind.Throttled => HttpStatusCode.TooManyRequests,
        KvsErrorKind.ServerError => HttpStatusCode.InternalServerError,
        _ => HttpStatusCode.ServiceUnavailable,
    };
}
