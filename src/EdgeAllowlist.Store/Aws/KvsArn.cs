namespace EdgeAllowlist.Store.Aws;

/// <summary>
/// A KeyValueStore ARN checked the way the service's endpoint rules check it (platform-facts §1.1),
/// with their error messages: global (no region), service <c>cloudfront</c>, resource type
/// <c>key-value-store</c>, partition <c>aws</c>, and an account id usable as a host label.
/// </summary>
public sealed record KvsArn(string Value, string AccountId, string StoreId)
{
    public static KvsArn Parse(string? arn)
    {
        if (string.IsNullOrEmpty(arn)) throw new ArgumentException("KVS ARN must be provided to use this service", nameof(arn));

        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[1].Length == 0 || parts[2].Length == 0 || parts[5].Length == 0)
        {
            throw new ArgumentException("KVS ARN must be a valid ARN", nameof(arn));
        }

        var (partition, service, region, account, resource) = (parts[1], parts[2], parts[3], parts[4], parts[5]);
        if (service != "cloudfront") throw new ArgumentException($"Provided ARN is not a valid CloudFront Service ARN. Found: `{service}`", nameof(arn));
        if (region.Length != 0) throw new ArgumentException($"Provided ARN must be a global resource ARN. Found: `{region}`", nameof(arn));

        var resourceParts = resource.Split([':', '/'], 2);
        if (resourceParts[0].Length == 0) throw new ArgumentException("No resource type found in the KVS ARN. Resource type must be `key-value-store`.", nameof(arn));
        if (resourceParts[0] != "key-value-store")
        {
            throw new ArgumentException($"ARN resource type is invalid. Expected `key-value-store`, found: `{resourceParts[0]}`", nameof(arn));
        }

        if (partition != "aws") throw new ArgumentException($"CloudFront-KeyValueStore is not supported in partition `{partition}`", nameof(arn));

        // The account id becomes the first label of the endpoint host.
        if (account.Length is 0 or > 63 || !account.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || account[0] == '-')
        {
            throw new ArgumentException("KVS ARN must be a valid ARN", nameof(arn));
        }

        return new(arn, account, resourceParts.Length > 1 ? resourceParts[1] : "");
    }

    public override string ToString() => Value;
}
