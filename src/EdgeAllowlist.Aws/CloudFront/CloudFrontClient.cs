using System.Net;
using System.Xml.Linq;
using Amazon.Runtime;
using EdgeAllowlist.Aws.Core;

namespace EdgeAllowlist.Aws.CloudFront;

/// <summary>
/// The CloudFront control-plane operations for KeyValueStores and Functions (API 2020-05-31, rest-xml),
/// named and shaped as in the model so that swapping to AWSSDK.CloudFront later is one adapter.
/// </summary>
public sealed class CloudFrontClient
{
    readonly AwsRequestPipeline pipeline;

    /// <param name="credentials">Asked per attempt, so temporary ones refresh; a failure is an <see cref="AwsCredentialsException"/>.</param>
    public CloudFrontClient(HttpClient http, Uri endpoint, AWSCredentials credentials, TimeProvider? clock = null, AwsRetryOptions? retry = null) =>
        pipeline = new(http, new(AwsEndpoints.CloudFront, endpoint, SigningName, SigningRegion, AwsProtocol.RestXml),
            () => AwsCredentialChain.ResolveAsync(credentials), CloudFrontException.From, retry ?? DefaultRetry, clock);

    /// <summary>The control plane answers slowly at times (TestFunction runs code): a longer attempt than the data plane's.</summary>
    public static readonly AwsRetryOptions DefaultRetry = new() { AttemptTimeout = TimeSpan.FromSeconds(30) };

    public const string SigningName = "cloudfront";

    /// <summary>CloudFront is global; its SigV4 scope is always us-east-1 in the aws partition.</summary>
    public const string SigningRegion = "us-east-1";

    public static readonly Uri DefaultEndpoint = new("https://cloudfront.amazonaws.com");

    const string Xml = "application/xml";

    public const string StoreProvisioning = "PROVISIONING";
    public const string StoreReady = "READY";

    /// <param name="importSourceArn">S3 object to load the store from, in CloudFront's import format; null for an empty store.</param>
    public async Task<KeyValueStoreResult> CreateKeyValueStoreAsync(string name, string? comment, string? importSourceArn = null, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, "/2020-05-31/key-value-store", HttpStatusCode.Created,
            body: CloudFrontXml.CreateKeyValueStoreRequest(name, comment, importSourceArn), cancellationToken: cancellationToken);
        return new(CloudFrontXml.ReadKeyValueStore(CloudFrontXml.Parse(response.Body)), response.Header("ETag"), response.Header("Location"));
    }

    public async Task<KeyValueStoreResult> DescribeKeyValueStoreAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, $"/2020-05-31/key-value-store/{Segment(name)}", HttpStatusCode.OK, cancellationToken: cancellationToken);
        return new(CloudFrontXml.ReadKeyValueStore(CloudFrontXml.Parse(response.Body)), response.Header("ETag"));
    }

    public async Task<FunctionResult> CreateFunctionAsync(string name, FunctionConfig config, byte[] code, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, "/2020-05-31/function", HttpStatusCode.Created,
            body: CloudFrontXml.CreateFunctionRequest(name, config, code), cancellationToken: cancellationToken);
        return new(CloudFrontXml.ReadFunctionSummary(CloudFrontXml.Parse(response.Body)), response.Header("ETag"), response.Header("Location"));
    }

    /// <param name="ifMatch">The DEVELOPMENT-stage ETag from <see cref="DescribeFunctionAsync"/>.</param>
    /// <remarks>
    /// The model names this operation's ETag header <c>ETtag</c> (a typo); the wire spelling is not
    /// documented, so both are read. Callers that need a trustworthy ETag re-read it with DescribeFunction.
    /// </remarks>
    public async Task<FunctionResult> UpdateFunctionAsync(string name, string ifMatch, FunctionConfig config, byte[] code, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Put, FunctionPath(name), HttpStatusCode.OK,
            body: CloudFrontXml.UpdateFunctionRequest(config, code), ifMatch: ifMatch, cancellationToken: cancellationToken);
        return new(CloudFrontXml.ReadFunctionSummary(CloudFrontXml.Parse(response.Body)), response.Header("ETtag") ?? response.Header("ETag"));
    }

    public async Task<FunctionResult> DescribeFunctionAsync(string name, FunctionStage stage, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, $"{FunctionPath(name)}/describe", HttpStatusCode.OK,
            query: $"Stage={CloudFrontXml.StageName(stage)}", cancellationToken: cancellationToken);
        return new(CloudFrontXml.ReadFunctionSummary(CloudFrontXml.Parse(response.Body)), response.Header("ETag"));
    }

    /// <summary>The function, or null when CloudFront answers NoSuchFunctionExists.</summary>
    public async Task<FunctionResult?> TryDescribeFunctionAsync(string name, FunctionStage stage, CancellationToken cancellationToken = default)
    {
        try
        {
            return await DescribeFunctionAsync(name, stage, cancellationToken);
        }
        catch (CloudFrontException error) when (error.Kind == CloudFrontErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <param name="ifMatch">The DEVELOPMENT-stage ETag, whichever stage is tested.</param>
    public async Task<TestResult> TestFunctionAsync(string name, string ifMatch, FunctionStage stage, byte[] eventObject, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, $"{FunctionPath(name)}/test", HttpStatusCode.OK,
            body: CloudFrontXml.TestFunctionRequest(stage, eventObject), ifMatch: ifMatch, cancellationToken: cancellationToken);
        return CloudFrontXml.ReadTestResult(CloudFrontXml.Parse(response.Body));
    }

    /// <param name="ifMatch">The DEVELOPMENT-stage ETag.</param>
    public async Task<FunctionSummary> PublishFunctionAsync(string name, string ifMatch, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, $"{FunctionPath(name)}/publish", HttpStatusCode.OK, ifMatch: ifMatch, cancellationToken: cancellationToken);
        return CloudFrontXml.ReadFunctionSummary(CloudFrontXml.Parse(response.Body));
    }

    /// <summary>GetFunction: the stage's code as it was uploaded, and that stage's ETag.</summary>
    public async Task<FunctionCodeResult> GetFunctionAsync(string name, FunctionStage stage, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, FunctionPath(name), HttpStatusCode.OK,
            query: $"Stage={CloudFrontXml.StageName(stage)}", cancellationToken: cancellationToken);
        return new(response.Body, response.Header("ETag"));
    }

    /// <summary>
    /// GetDistributionConfig. The configuration stays the XML CloudFront sent, so that an update sends
    /// back every field, those this tool has no model for included.
    /// </summary>
    public async Task<DistributionConfigResult> GetDistributionConfigAsync(string id, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, DistributionConfigPath(id), HttpStatusCode.OK, cancellationToken: cancellationToken);
        return new(CloudFrontXml.Parse(response.Body), response.Header("ETag"));
    }

    /// <summary>UpdateDistribution: replaces the whole configuration; <paramref name="ifMatch"/> is the ETag GetDistributionConfig answered with.</summary>
    public async Task<DistributionResult> UpdateDistributionAsync(string id, string ifMatch, XElement distributionConfig, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Put, DistributionConfigPath(id), HttpStatusCode.OK,
            body: CloudFrontXml.Serialize(distributionConfig), ifMatch: ifMatch, cancellationToken: cancellationToken);
        return CloudFrontXml.ReadDistribution(CloudFrontXml.Parse(response.Body), response.Header("ETag"));
    }

    static string DistributionConfigPath(string id) => $"/2020-05-31/distribution/{Segment(id)}/config";

    static string FunctionPath(string name) => $"/2020-05-31/function/{Segment(name)}";

    static string Segment(string name) => Uri.EscapeDataString(name);

    async Task<AwsResponse> SendAsync(HttpMethod method, string path, HttpStatusCode expected, string? query = null,
        byte[]? body = null, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        var headers = ifMatch is null ? null : new Dictionary<string, string> { ["If-Match"] = ifMatch };
        var request = new AwsRequest(method, query is null ? path : $"{path}?{query}", body, body is null ? null : Xml, headers, IsWrite: method != HttpMethod.Get);
        var response = await pipeline.SendAsync(request, cancellationToken);
        return response.StatusCode == expected
            ? response
            : throw new FormatException($"CloudFront answered {(int)response.StatusCode} where the model says {(int)expected}.");
    }
}
