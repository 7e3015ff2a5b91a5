
namespace EdgeAllowlist.Store;

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
        var parsed = Arn.TryParse(arn) ?? throw new ArgumentException("KVS ARN must be a valid ARN", nameof(arn));

        if (parsed.Service != "cloudfront") throw new ArgumentException($"Provided ARN is not a valid CloudFront Service ARN. Found: `{parsed.Service}`", nameof(arn));
        if (parsed.Region.Length != 0) throw new ArgumentException($"Provided ARN must be a global resource ARN. Found: `{parsed.Region}`", nameof(arn));

        var (type, id) = parsed.ResourceTypeAndId;
        if (type.Length == 0) throw new ArgumentException("No resource type found in the KVS ARN. Resource type must be `key-value-store`.", nameof(arn));
        if (type != "key-value-store")
        {
            throw new ArgumentException($"ARN resource type is invalid. Expected `key-value-store`, found: `{type}`", nameof(arn));
        }

        if (parsed.Partition != "aws") throw new ArgumentException($"CloudFront-KeyValueStore is not supported in partition `{parsed.Partition}`", nameof(arn));

        // The account id becomes the first label of the endpoint host.
        var account = parsed.AccountId;
        if (account.Length is 0 or > 63 || !account.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || account[0] == '-')
        {
            throw new ArgumentException("KVS ARN must be a valid ARN", nameof(arn));
        }

        return new(arn, account, id);
    }

    /// <summary>The ARN, or null where <see cref="Parse"/> would refuse it.</summary>
    public static KvsArn? TryParse(string? arn)
    {
        try
        {
            return Parse(arn);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>As CloudFront issues them: a 12-digit account and a 36-character id (the model's pattern for a store ARN).</summary>
    public bool IsIssuedForm => AccountId.Length == 12 && AccountId.All(char.IsAsciiDigit) && StoreId.Length == 36 && StoreId.All(c => char.IsAsciiHexDigit(c) || c == '-');

    public override string ToString() => Value;
}
