using System.Net;

namespace EdgeAllowlist.Cli.Aws.CloudFront;

/// <summary>What a CloudFront error means to a caller, from the error codes of the 2020-05-31 model.</summary>
public enum CloudFrontErrorKind
{
    /// <summary>400 InvalidArgument, UnsupportedOperation, InvalidIfMatchVersion.</summary>
    InvalidRequest,
    /// <summary>403 AccessDenied, or a rejected signature.</summary>
    AccessDenied,
    /// <summary>404 NoSuchFunctionExists, EntityNotFound.</summary>
    NotFound,
    /// <summary>409 FunctionAlreadyExists, EntityAlreadyExists.</summary>
    AlreadyExists,
    /// <summary>409 FunctionInUse, CannotDeleteEntityWhileInUse.</summary>
    InUse,
    /// <summary>412 PreconditionFailed: the If-Match ETag is not the current DEVELOPMENT-stage one.</summary>
    PreconditionFailed,
    /// <summary>400 TooManyFunctions, EntityLimitExceeded; 413 FunctionSizeLimitExceeded, EntitySizeLimitExceeded.</summary>
    LimitExceeded,
    /// <summary>500 TestFunctionFailed.</summary>
    TestFunctionFailed,
    /// <summary>Any other 5xx, or an answer that is not CloudFront's.</summary>
    ServerError,
}

public sealed class CloudFrontException(CloudFrontErrorKind kind, string errorCode, string message, HttpStatusCode statusCode, string? requestId)
    : Exception(message)
{
    public CloudFrontErrorKind Kind { get; } = kind;

    /// <summary>The AWS error code, e.g. <c>PreconditionFailed</c>.</summary>
    public string ErrorCode { get; } = errorCode;

    public HttpStatusCode StatusCode { get; } = statusCode;

    public string? RequestId { get; } = requestId;

    public static CloudFrontException FromResponse(HttpStatusCode status, byte[] body)
    {
        var (code, message, requestId) = CloudFrontXml.ReadError(body);
        code ??= $"Http{(int)status}";
        return new(KindOf(code, status), code, message ?? $"CloudFront answered {(int)status} without an error body.", status, requestId);
    }

    static CloudFrontErrorKind KindOf(string code, HttpStatusCode status) => code switch
    {
        "AccessDenied" or "SignatureDoesNotMatch" or "InvalidClientTokenId" or "ExpiredToken" => CloudFrontErrorKind.AccessDenied,
        "NoSuchFunctionExists" or "EntityNotFound" => CloudFrontErrorKind.NotFound,
        "FunctionAlreadyExists" or "EntityAlreadyExists" => CloudFrontErrorKind.AlreadyExists,
        "FunctionInUse" or "CannotDeleteEntityWhileInUse" => CloudFrontErrorKind.InUse,
        "PreconditionFailed" => CloudFrontErrorKind.PreconditionFailed,
        "TooManyFunctions" or "EntityLimitExceeded" or "FunctionSizeLimitExceeded" or "EntitySizeLimitExceeded" => CloudFrontErrorKind.LimitExceeded,
        "TestFunctionFailed" => CloudFrontErrorKind.TestFunctionFailed,
        _ => (int)status switch
        {
            403 => CloudFrontErrorKind.AccessDenied,
            404 => CloudFrontErrorKind.NotFound,
            412 => CloudFrontErrorKind.PreconditionFailed,
            >= 500 => CloudFrontErrorKind.ServerError,
            _ => CloudFrontErrorKind.InvalidRequest,
        },
    };
}
