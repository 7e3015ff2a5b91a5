using System.Net;
using EdgeAllowlist.Aws.Core;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Aws.CloudFront;

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
    /// <summary>400 or 429 Throttling (the model's code for CloudFront's rate limit), retried before it shows.</summary>
    Throttled,
    /// <summary>Any other 5xx, or an answer that is not CloudFront's.</summary>
    ServerError,
    /// <summary>No answer: connection refused or dropped, or a timeout.</summary>
    Unavailable,
}

/// <summary>A CloudFront control-plane error (aws-sdk-net's <c>AmazonCloudFrontException</c>), with what it means to a caller.</summary>
public sealed class CloudFrontException(CloudFrontErrorKind kind, AwsFailure failure)
    : AwsServiceException(failure.ServiceId, failure.Code, failure.Message, failure.StatusCode ?? HttpStatusCode.ServiceUnavailable, failure.RequestId, failure.IsRetryable, failure.InnerException)
{
    public CloudFrontErrorKind Kind { get; } = kind;

    public static CloudFrontException From(AwsFailure failure) =>
        new(failure.StatusCode is { } status ? KindOf(failure.Code, status, failure.IsThrottling) : CloudFrontErrorKind.Unavailable, failure)
        {
            MayHaveBeenApplied = failure.MayHaveBeenApplied,
        };

    static CloudFrontErrorKind KindOf(string code, HttpStatusCode status, bool throttling) => throttling ? CloudFrontErrorKind.Throttled : code switch
    {
        "AccessDenied" or "SignatureDoesNotMatch" or "InvalidClientTokenId" or "ExpiredToken" => CloudFrontErrorKind.AccessDenied,
        "NoSuchFunctionExists" or "EntityNotFound" or "NoSuchDistribution" => CloudFrontErrorKind.NotFound,
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
