using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using EdgeAllowlist.Store.Signing;

namespace EdgeAllowlist.Store.Aws;

/// <summary>
/// The CloudFront KeyValueStore data plane over HTTPS (rest-json, SigV4a), shaped like the official
/// SDK's operations: DescribeKeyValueStore, GetKey, ListKeys, PutKey, DeleteKey, UpdateKeys.
/// Retries 429, 5xx and network faults with jittered exponential backoff; never 400/402/403/404/409.
/// </summary>
public sealed class KeyValueStoreClient : IKeyValueStore, IDisposable
{
    public const string SigningName = "cloudfront-keyvaluestore";

    static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    // System.Uri would otherwise unescape %2E and drop dot segments, turning key ".." into another path.
    static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    readonly KeyValueStoreClientOptions options;
    readonly HttpClient http;
    readonly bool ownsHttp;
    readonly TimeProvider clock;
    readonly string storePath;
    readonly AWSCredentials? credentials;
    volatile bool storeSeen;

    /// <param name="credentials">Null: AWSSDK.Core's default chain (environment, profile/SSO, web identity, container, instance metadata).</param>
    /// <param name="httpClient">Null: a client of its own. A given one is not disposed here.</param>
    public KeyValueStoreClient(KeyValueStoreClientOptions options, AWSCredentials? credentials = null, HttpClient? httpClient = null, TimeProvider? clock = null)
    {
        this.options = options;
        Arn = KvsArn.Parse(options.Arn);
        if (options.MaxAttempts < 1) throw new ArgumentException("MaxAttempts must be at least 1.", nameof(options));
        Endpoint = options.ResolveEndpoint(Arn);
        storePath = Endpoint.AbsolutePath.TrimEnd('/') + "/key-value-stores/" + PathLabel(Arn.Value);
        this.clock = clock ?? TimeProvider.System;
        ownsHttp = httpClient is null;
        http = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        this.credentials = credentials;
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
        var mayHaveBeenApplied = false;
        for (var attempt = 1; ; attempt++)
        {
            KvsException failure;
            try
            {
                return await AttemptAsync(method, pathAndQuery, ifMatch, body, responseType, cancellationToken);
            }
            catch (KvsException e)
            {
                failure = e;
            }

            // A 5xx or a lost answer to a write leaves the write's fate unknown from here on.
            mayHaveBeenApplied |= isWrite && failure.Kind is KvsErrorKind.ServerError or KvsErrorKind.Unavailable;
            if (!failure.IsTransient || attempt >= options.MaxAttempts)
            {
                throw mayHaveBeenApplied
                    ? new(failure.Kind, failure.ErrorCode, failure.Message, failure.StatusCode, failure.RequestId, failure.InnerException) { MayHaveBeenApplied = true }
                    : failure;
            }

            await Task.Delay(Backoff(attempt), clock, cancellationToken);
        }
    }

    TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.BaseBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    async Task<(T Body, string ETag)> AttemptAsync<T>(HttpMethod method, string pathAndQuery, string? ifMatch, byte[]? body, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(Endpoint.GetLeftPart(UriPartial.Authority) + pathAndQuery, AsWritten));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = JsonContentType;
        }

        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);

        var current = await CurrentCredentialsAsync();
        SigV4aSigner.Sign(request, body, current, SigningName, clock.GetUtcNow().UtcDateTime);

        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(options.AttemptTimeout);
        HttpResponseMessage response;
        byte[] content;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attemptTimeout.Token);
            content = await response.Content.ReadAsByteArrayAsync(attemptTimeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new KvsException(KvsErrorKind.Unavailable, "RequestFailed", $"No answer from {Endpoint.Authority}: {e.Message}", innerException: e);
        }

        using (response)
        {
            var requestId = Header(response, "x-amzn-requestid");
            if (!response.IsSuccessStatusCode) throw AwsErrorParser.Parse(response, content, requestId);
            storeSeen = true;
            try
            {
                return (JsonSerializer.Deserialize(content, responseType)!, Header(response, "ETag") ?? "");
            }
            catch (JsonException e)
            {
                throw new KvsException(KvsErrorKind.ServerError, "InvalidResponse", $"The {(int)response.StatusCode} answer is not the expected JSON: {e.Message}", response.StatusCode, requestId, e);
            }
        }
    }

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

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;
}
