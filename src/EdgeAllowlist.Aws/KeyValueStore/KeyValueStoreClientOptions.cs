using EdgeAllowlist.Store;

namespace EdgeAllowlist.Aws.KeyValueStore;

/// <summary>Settings of <see cref="KeyValueStoreClient"/>, bound from the configuration section <c>Kvs</c>.</summary>
public class KeyValueStoreClientOptions
{
    public const string SectionName = "Kvs";

    /// <summary>The store, <c>arn:aws:cloudfront::&lt;account&gt;:key-value-store/&lt;id&gt;</c>.</summary>
    public string? Arn { get; set; }

    /// <summary>
    /// Another endpoint, e.g. an emulator. Like the AWS SDKs, the ARN's account id is put in front of
    /// the host: <c>http://localhost:8080</c> becomes <c>http://&lt;account&gt;.localhost:8080</c>.
    /// </summary>
    public string? EndpointOverride { get; set; }

    /// <summary>Use <see cref="EndpointOverride"/> as written, without the account prefix (for IP literals such as 127.0.0.1).</summary>
    public bool UseEndpointOverrideVerbatim { get; set; }

    /// <summary>Attempts per call, the first included; only 429, 5xx and network faults are retried.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Backoff before retry n is a random delay up to min(MaxBackoff, BaseBackoff × 2^(n-1)).</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed for one attempt; past it the attempt counts as a network fault.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The endpoint the client sends to: <see cref="EndpointOverride"/>, else the one the environment configures
    /// (<c>AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE</c>, then <c>AWS_ENDPOINT_URL</c>, which the SDKs treat as
    /// an override too, account prefix included), else the service's own.
    /// </summary>
    /// <param name="variables">Reads an environment variable; null: this process's environment.</param>
    public Uri ResolveEndpoint(KvsArn arn, Func<string, string?>? variables = null)
    {
        var endpointOverride = string.IsNullOrEmpty(EndpointOverride) ? AwsEndpoints.Configured(AwsEndpoints.KeyValueStore, variables)?.OriginalString : EndpointOverride;
        if (string.IsNullOrEmpty(endpointOverride)) return new($"https://{arn.AccountId}.cloudfront-kvs.global.api.aws");
        if (!Uri.TryCreate(endpointOverride, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("Provided endpoint is not a valid URL", nameof(EndpointOverride));
        }

        return UseEndpointOverrideVerbatim ? url : new($"{url.Scheme}://{arn.AccountId}.{url.Authority}{url.AbsolutePath.TrimEnd('/')}");
    }
}
