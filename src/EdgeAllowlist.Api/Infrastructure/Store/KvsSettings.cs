using EdgeAllowlist.Api.Infrastructure.Configuration;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Api.Infrastructure.Store;

/// <summary>Section <c>Kvs</c>: the KeyValueStore client's settings, checked at start with the client's own ARN rules.</summary>
public sealed class KvsSettings : KeyValueStoreClientOptions, ISettings
{
    public static string Section => SectionName;

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (!string.IsNullOrEmpty(Arn))
        {
            string? refused = null;
            try
            {
                KvsArn.Parse(Arn);
            }
            catch (ArgumentException e)
            {
                refused = e.Message[..(e.Message.IndexOf(" (Parameter", StringComparison.Ordinal) is var cut and >= 0 ? cut : e.Message.Length)];
            }
            if (refused is not null) yield return (nameof(Arn), $"must be arn:aws:cloudfront::<account>:key-value-store/<id>, or empty for the embedded store: {refused}");
        }
        if (!string.IsNullOrEmpty(EndpointOverride) && !(Uri.TryCreate(EndpointOverride, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            yield return (nameof(EndpointOverride), $"must be an http or https URL (got '{EndpointOverride}')");
        if (MaxAttempts < 1) yield return (nameof(MaxAttempts), $"must be at least 1 (got {MaxAttempts})");
        if (BaseBackoff <= TimeSpan.Zero) yield return (nameof(BaseBackoff), $"must be positive (got {BaseBackoff})");
        if (MaxBackoff < BaseBackoff) yield return (nameof(MaxBackoff), $"must be at least BaseBackoff (got {MaxBackoff})");
        if (AttemptTimeout <= TimeSpan.Zero) yield return (nameof(AttemptTimeout), $"must be positive (got {AttemptTimeout})");
    }
}
