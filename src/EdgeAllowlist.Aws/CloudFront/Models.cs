using System.Xml.Linq;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Aws.CloudFront;

/// <summary>Shapes of the CloudFront 2020-05-31 model, named as in the model, limited to the fields this tool uses.</summary>
public sealed record KeyValueStore(string Name, string Id, string Comment, string Arn, string? Status, DateTimeOffset LastModifiedTime);

public sealed record KeyValueStoreResult(KeyValueStore KeyValueStore, string? ETag, string? Location = null);

public sealed record FunctionConfig(string Comment, string Runtime, IReadOnlyList<string> KeyValueStoreArns)
{
    public const string JavaScript2 = "cloudfront-js-2.0";
}

public sealed record FunctionMetadata(string FunctionArn, string? Stage, DateTimeOffset? CreatedTime, DateTimeOffset LastModifiedTime);

public sealed record FunctionSummary(string Name, string? Status, FunctionConfig FunctionConfig, FunctionMetadata FunctionMetadata);

public sealed record FunctionResult(FunctionSummary FunctionSummary, string? ETag, string? Location = null);

public sealed record TestResult(
    FunctionSummary? FunctionSummary,
    string? ComputeUtilization,
    IReadOnlyList<string> FunctionExecutionLogs,
    string? FunctionErrorMessage,
    string? FunctionOutput);

public enum FunctionStage
{
    Development,
    Live,
}

public sealed record FunctionCodeResult(byte[] FunctionCode, string? ETag);

/// <summary>A distribution's configuration as CloudFront sent it (rest-xml, every field kept) and its ETag.</summary>
public sealed record DistributionConfigResult(XElement DistributionConfig, string? ETag);

public sealed record DistributionResult(string Id, string? Status, XElement DistributionConfig, string? ETag);
