using System.Net;
using System.Net.Http.Headers;
using Amazon.Runtime;
using EdgeAllowlist.Store.Aws;
using EdgeAllowlist.Store.Signing;

namespace EdgeAllowlist.Cli.Aws;

/// <summary>Where an AWS service answers and how its requests are signed (SigV4 signing name and region).</summary>
public sealed record AwsService(Uri Endpoint, string SigningName, string Region);

public sealed record AwsHttpResponse(HttpStatusCode StatusCode, HttpResponseHeaders Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public string? RequestId => Header("x-amzn-RequestId");
}

/// <summary>Sends one SigV4-signed request to an AWS service and returns the raw answer; callers parse their protocol.</summary>
public sealed class SignedHttpClient(HttpClient http, AwsService service, AWSCredentials credentials, TimeProvider clock)
{
    public async Task<AwsHttpResponse> SendAsync(
        HttpMethod method,
        string encodedPath,
        string? query = null,
        byte[]? body = null,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? headers = null,
        CancellationToken cancellationToken = default)
    {
        var target = new UriBuilder(service.Endpoint) { Path = encodedPath, Query = query ?? "" }.Uri;
        using var request = new HttpRequestMessage(method, target);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/octet-stream");
        }
        var identity = await AwsCredentialChain.ResolveAsync(credentials);
        SigV4Signer.Sign(request, body ?? [], identity, service.Region, service.SigningName, clock.GetUtcNow().UtcDateTime);
        using var response = await http.SendAsync(request, cancellationToken);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new(response.StatusCode, response.Headers, content);
    }
}
