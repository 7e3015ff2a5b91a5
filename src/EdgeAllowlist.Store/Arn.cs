namespace EdgeAllowlist.Store;

/// <summary>
/// An Amazon Resource Name, <c>arn:partition:service:region:account:resource</c>, split the way the SDKs'
/// endpoint rules split it (<c>aws.parseArn</c>): six fields, the first three non-empty, the resource the
/// rest of the string. Service-specific rules (a KeyValueStore's, an S3 object's) build on it.
/// </summary>
public sealed record Arn(string Partition, string Service, string Region, string AccountId, string Resource)
{
    public static Arn? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        var parts = text.Split(':', 6);
        return parts.Length == 6 && parts[0] == "arn" && parts[1].Length > 0 && parts[2].Length > 0 && parts[5].Length > 0
            ? new(parts[1], parts[2], parts[3], parts[4], parts[5])
            : null;
    }

    /// <summary>The resource's type and id: <c>key-value-store/&lt;id&gt;</c> and <c>function:name</c> alike; the id is empty when there is none.</summary>
    public (string Type, string Id) ResourceTypeAndId
    {
        get
        {
            var split = Resource.Split([':', '/'], 2);
            return (split[0], split.Length > 1 ? split[1] : "");
        }
    }

    /// <summary>An S3 object ARN (<c>arn:aws:s3:::bucket/key</c>): no region, no account, a bucket and a key.</summary>
    public bool IsS3Object => Service == "s3" && Region.Length == 0 && AccountId.Length == 0 && ResourceTypeAndId is { Type.Length: > 0, Id.Length: > 0 } && Resource.Contains('/');

    public override string ToString() => $"arn:{Partition}:{Service}:{Region}:{AccountId}:{Resource}";
}
