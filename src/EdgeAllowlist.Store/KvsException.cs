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

public sealed class KvsException : Exception
{
    public KvsException(KvsErrorKind kind, string errorCode, string message, HttpStatusCode? statusCode = null, string? requestId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorCode = errorCode;
        StatusCode = statusCode ?? DefaultStatus(kind);
        RequestId = requestId;
    }

    public KvsErrorKind Kind { get; }

    /// <summary>The AWS error code, e.g. <c>ConflictException</c>.</summary>
    public string ErrorCode { get; }

    public HttpStatusCode StatusCode { get; }

    public string? RequestId { get; }

    /// <summary>
    /// True when an earlier attempt of this write got no definite answer (5xx, timeout, dropped
    /// connection), so the write may have been applied even though this call failed. Callers must
    /// re-read the store to find out rather than assume either way.
    /// </summary>
    public bool MayHaveBeenApplied { get; init; }

    public bool IsTransient => Kind is KvsErrorKind.Throttled or KvsErrorKind.ServerError or KvsErrorKind.Unavailable;

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
