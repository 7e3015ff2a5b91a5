namespace EdgeAllowlist.Aws.Core;

/// <summary>The wire protocols of the models this project speaks (metadata.protocol).</summary>
public enum AwsProtocol
{
    /// <summary>KVS data plane, MediaTailor: JSON bodies, the error type in <c>x-amzn-ErrorType</c> or the body.</summary>
    RestJson,
    /// <summary>CloudFront: XML bodies, errors as <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code/&gt;…</c>.</summary>
    RestXml,
    /// <summary>CloudWatch Logs: <c>X-Amz-Target</c> POSTs, the error type in the body's <c>__type</c>.</summary>
    Json11,
}
