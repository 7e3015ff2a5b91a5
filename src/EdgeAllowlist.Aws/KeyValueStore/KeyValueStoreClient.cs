using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using EdgeAllowlist.Aws.Core;
using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Aws.KeyValueStore;

/// <summary>
/// The CloudFront KeyValueStore data plane over HTTPS (rest-json, SigV4a), shaped like the official
/// SDK's operations: DescribeKeyValueStore, GetKey, ListKeys, PutKey, DeleteKey, UpdateKeys.
/// Every call goes through the shared <see cref="AwsRequestPipeline"/>: throttling, 5xx and network faults
/// are retried with full-jitter backoff; 400/402/403/404/409 never.
/// </summary>
public sealed class KeyValueStoreClient : IKeyValueStore, IDisposable
{
    public const string SigningName = "cloudfront-keyvaluestore";

    const string JsonContentType = "application/json";

    readonly HttpClient http;
    readonly bool ownsHttp;
    readonly string storePath;
    readonly AWSCredentials? credentials;
    readonly AwsRequestPipeline pipeline;
    volatile bool storeSeen;

    /// <param name="credentials">Null: AWSSDK.Core's default chain (environment, profile/SSO, web identity, container, instance metadata).</param>
    /// <param name="httpClient">Null: a client of its own. A given one is not disposed here.</param>
    public KeyValueStoreClient(KeyValueStoreClientOptions options, AWSCredentials? credentials = null, HttpClient? httpClient = null, TimeProvider? clock = null)
    {
        Arn = KvsArn.Parse(options.Arn);
        if (options.MaxAttempts < 1) throw new ArgumentException("MaxAttempts must be at least 1.", nameof(options));
        Endpoint = options.ResolveEndpoint(Arn);
        storePath = Endpoint.AbsolutePath.TrimEnd('/') + "/key-value-stores/" + PathLabel(Arn.Value);
        ownsHttp = httpClient is null;
        http = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        this.credentials = credentials;
        pipeline = new(http, new(KvsException.ServiceId, Endpoint, SigningName, null, AwsProtocol.RestJson), CurrentCredentialsAsync, Translate,
            new() { MaxAttempts = options.MaxAttempts, BaseBackoff = options.BaseBackoff, MaxBackoff = options.MaxBackoff, AttemptTimeout = options.AttemptTimeout },
            clock);
    }

    public KvsArn Arn { get; }

    public Uri Endpoint { get; }

    public async Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        var (body, etag) = await SendAsync(HttpMethod.Get, storePath, null, null, KvsWireJson.Default.DescribeKeyValueStoreBody, false, cancellationToken);
        return new(
            body.KvsARN,
            body.ItemCount,
            body.TotalSizeInBytes,
            etag,
            EpochSeconds.To(body.Created),
            body.LastModified is { } modified ? EpochSeconds.To(modified) : null,
            body.Status ?? "",
            body.FailureReason);
    }

    public async Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var (body, _) = await SendAsync(HttpMethod.Get, KeyPath(key), null, null, KvsWireJson.Default.GetKeyBody, false, cancellationToken);
            return new(body.Key, body.Value);
        }
        catch (KvsException e) when (e.Kind == KvsErrorKind.NotFound)
        {
            // A missing key and a missing store are both ResourceNotFoundException. Until some call
            // has reached the store, ask once whether it exists, so a wrong ARN is not read as "no key".
            if (!storeSeen) await DescribeAsync(cancellationToken);
            return null;
        }
    }

    public async Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (maxResults is { } max) query.Add("MaxResults=" + max);
        if (nextToken is not null) query.Add("NextToken=" + CanonicalRequest.UriEncode(nextToken));
        var path = storePath + "/keys" + (query.Count > 0 ? "?" + string.Join('&', query) : "");

        var (body, _) = await SendAsync(HttpMethod.Get, path, null, null, KvsWireJson.Default.ListKeysBody, false, cancellationToken);
        return new(body.Items.Select(i => new KeyValueItem(i.Key, i.Value)).ToList(), body.NextToken);
    }

    public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default)
    {
        var request = new UpdateKeysRequestBody(
            puts.Count > 0 ? puts.Select(p => new ListKeysItem(p.Key, p.Value)).ToList() : null,
            deletes.Count > 0 ? deletes.Select(d => new DeleteKeyRequestListItem(d)).ToList() : null);
        return WriteAsync(HttpMethod.Post, storePath + "/keys", ifMatch, JsonSerializer.SerializeToUtf8Bytes(request, KvsWireJson.Default.UpdateKeysRequestBody), cancellationToken);
    }

    /// <summary>PutKey: one key, with the store's current ETag.</summary>
    public Task<WriteResult> PutKeyAsync(string key, string value, string ifMatch, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Put, KeyPath(key), ifMatch, JsonSerializer.SerializeToUtf8Bytes(new(value), KvsWireJson.Default.PutKeyRequestBody), cancellationToken);

    /// <summary>DeleteKey: one key, with the store's current ETag.</summary>
    public Task<WriteResult> DeleteKeyAsync(string key, string ifMatch, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Delete, KeyPath(key), ifMatch, null, cancellationToken);

    public void Dispose()
    {
        if (ownsHttp) http.Dispose();
    }

    async Task<WriteResult> WriteAsync(HttpMethod method, string path, string ifMatch, byte[]? body, CancellationToken cancellationToken)
    {
        var (result, etag) = await SendAsync(method, path, ifMatch, body, KvsWireJson.Default.WriteBody, true, cancellationToken);
        return new(etag, result.ItemCount, result.TotalSizeInBytes);
    }

    string KeyPath(string key)
    {
        if (string.IsNullOrEmpty(key)) throw KvsException.Validation("Key must be 1 to 1024 characters long.");
        return storePath + "/keys/" + PathLabel(key);
    }

    /// <summary>A single-segment URI label; "." and ".." are escaped so no HTTP stack treats them as dot segments.</summary>
    static string PathLabel(string value)
    {
        var encoded = CanonicalRequest.UriEncode(value);
        return encoded is "." or ".." ? encoded.Replace(".", "%2E") : encoded;
    }

    async Task<(T Body, string ETag)> SendAsync<T>(HttpMethod method, string pathAndQuery, string? ifMatch, byte[]? body, JsonTypeInfo<T> responseType, bool isWrite, CancellationToken cancellationToken)
    {
        var headers = ifMatch is null ? null : new Dictionary<string, string> { ["If-Match"] = ifMatch };
        var response = await pipeline.SendAsync(new(method, pathAndQuery, body, body is null ? null : JsonContentType, headers, isWrite), cancellationToken);
        storeSeen = true;
        try
        {
            return (JsonSerializer.Deserialize(response.Body, responseType)!, response.Header("ETag") ?? "");
        }
        catch (JsonException e)
        {
            throw new KvsException(KvsErrorKind.ServerError, "InvalidResponse", $"The {(int)response.StatusCode} answer is not the expected JSON: {e.Message}", response.StatusCode, response.RequestId, e);
        }
    }

    /// <summary>The data plane's errors (service-2.json 2022-07-26) as the store port's kinds.</summary>
    static KvsException Translate(AwsFailure failure) =>
        new(failure.StatusCode is not { } status ? KvsErrorKind.Unavailable
            : failure.IsThrottling ? KvsErrorKind.Throttled
            : (int)status switch
            {
                400 => KvsErrorKind.Validation,
                402 => KvsErrorKind.QuotaExceeded,
                401 or 403 => KvsErrorKind.AccessDenied,
                404 => KvsErrorKind.NotFound,
                409 => KvsErrorKind.Conflict,
                >= 500 => KvsErrorKind.ServerError,
                _ => KvsErrorKind.Validation,
            },
            failure.Code, failure.Message, failure.StatusCode, failure.RequestId, failure.InnerException)
        {
            MayHaveBeenApplied = failure.MayHaveBeenApplied,
        };

    /// <summary>
    /// Asked per attempt: temporary credentials refresh themselves near expiry, and a chain that found
    /// nothing yet (say, instance metadata still starting) is asked again next time.
    /// </summary>
    async Task<ImmutableCredentials> CurrentCredentialsAsync()
    {
        try
        {
            return await AwsCredentialChain.ResolveAsync(credentials);
        }
        catch (AwsCredentialsException e)
        {
            throw new KvsException(KvsErrorKind.AccessDenied, "NoCredentials", e.OneLine, innerException: e);
        }
    }

}
