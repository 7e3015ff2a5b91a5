using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Aws.Core;

/// <summary>
/// Where a service answers and how it is spoken to: its model's service id (which names errors and the
/// endpoint variable), signing name, SigV4 region (null: SigV4a over all regions), and protocol.
/// </summary>
public sealed record AwsServiceEndpoint(string ServiceId, Uri Endpoint, string SigningName, string? SigningRegion, AwsProtocol Protocol);

/// <param name="PathAndQuery">Already encoded, sent exactly as written (no dot-segment removal or unescaping).</param>
/// <param name="IsWrite">A write whose fate is unknown after a 5xx or a lost answer (see <see cref="AwsServiceException.MayHaveBeenApplied"/>).</param>
public sealed record AwsRequest(
    HttpMethod Method,
    string PathAndQuery,
    byte[]? Body = null,
    string? ContentType = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    bool IsWrite = false);

public sealed record AwsResponse(HttpStatusCode StatusCode, HttpResponseHeaders Headers, byte[] Body, string? RequestId)
{
    public string? Header(string name) => Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    /// <summary>The body of a JSON protocol's success answer as one object; anything else is a <see cref="FormatException"/> naming the service and status.</summary>
    public JsonObject ReadJsonObject(string service)
    {
        try
        {
            if (JsonNode.Parse(Body) is JsonObject value)
                return value;
        }
        catch (JsonException)
        {
            // Reported below, with the status: the answer is not the service's.
        }
        throw new FormatException($"{service} answered {(int)StatusCode} with a body that is not a JSON object.");
    }
}

/// <summary>
/// A failed call as the pipeline saw it, for the service client to turn into its own exception type.
/// <see cref="StatusCode"/> is null when no answer came (connection refused or dropped, timeout).
/// </summary>
public sealed record AwsFailure(string ServiceId, string Code, string Message, HttpStatusCode? StatusCode, string? RequestId, bool IsRetryable, bool MayHaveBeenApplied, Exception? InnerException = null)
{
    public bool IsThrottling => StatusCode is { } status && AwsRetryPolicy.IsThrottling(Code, status);
}

/// <summary>
/// The signed-request pipeline every AWS client here goes through, as aws-sdk-net's runtime pipeline: sign
/// (SigV4 or SigV4a) with credentials asked per attempt, send with a per-attempt timeout, read errors with
/// <see cref="AwsErrorParser"/>, retry by <see cref="AwsRetryPolicy"/>, and hand the final failure to the
/// service's exception factory. Answers 2xx are returned; the client reads its own protocol from them.
/// </summary>
public sealed class AwsRequestPipeline(
    HttpClient http,
    AwsServiceEndpoint service,
    Func<Task<ImmutableCredentials>> credentials,
    Func<AwsFailure, AwsServiceException> exceptions,
    AwsRetryOptions? retry = null,
    TimeProvider? clock = null)
{
    // System.Uri would otherwise unescape %2E and drop dot segments, turning key ".." into another path.
    static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    readonly AwsRetryOptions retry = retry ?? new();
    readonly TimeProvider clock = clock ?? TimeProvider.System;

    public AwsServiceEndpoint Service => service;

    public async Task<AwsResponse> SendAsync(AwsRequest request, CancellationToken cancellationToken = default)
    {
        var mayHaveBeenApplied = false;
        for (var attempt = 1; ; attempt++)
        {
            var (response, failure) = await AttemptAsync(request, cancellationToken);
            if (response is not null)
                return response;
            // A 5xx or a lost answer to a write leaves its fate unknown from here on, whatever comes next.
            mayHaveBeenApplied |= request.IsWrite && failure!.StatusCode is null or >= HttpStatusCode.InternalServerError;
            if (!failure!.IsRetryable || attempt >= retry.MaxAttempts)
                throw exceptions(failure with { MayHaveBeenApplied = mayHaveBeenApplied });
            await Task.Delay(AwsRetryPolicy.Backoff(retry, attempt), clock, cancellationToken);
        }
    }

    async Task<(AwsResponse? Response, AwsFailure? Failure)> AttemptAsync(AwsRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, new Uri(service.Endpoint.GetLeftPart(UriPartial.Authority) + request.PathAndQuery, AsWritten));
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
            message.Headers.TryAddWithoutValidation(name, value);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/octet-stream");
        }
        var identity = await credentials();
        var now = clock.GetUtcNow().UtcDateTime;
        if (service.SigningRegion is { } region)
            SigV4Signer.Sign(message, request.Body ?? [], identity, region, service.SigningName, now);
        else
            SigV4aSigner.Sign(message, request.Body, identity, service.SigningName, now);

        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptTimeout.CancelAfter(retry.AttemptTimeout);
        HttpResponseMessage answer;
        byte[] body;
        try
        {
            answer = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, attemptTimeout.Token);
            body = await answer.Content.ReadAsByteArrayAsync(attemptTimeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, new(service.ServiceId, "RequestFailed", $"No answer from {service.Endpoint.Authority}: {e.Message}", null, null, true, false, e));
        }
        using (answer)
        {
            string? Header(string name) =>
                answer.Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString()
                : answer.Content.Headers.NonValidated.TryGetValues(name, out var contentValues) ? contentValues.ToString()
                : null;
            if (answer.IsSuccessStatusCode)
                return (new(answer.StatusCode, answer.Headers, body, Header("x-amzn-RequestId")), null);
            var error = AwsErrorParser.Parse(service.Protocol, answer.StatusCode, Header, body);
            return (null, new(service.ServiceId, error.Code, error.Message, answer.StatusCode, error.RequestId,
                AwsRetryPolicy.IsRetryable(error.Code, answer.StatusCode), false));
        }
    }
}
