using System.Collections.Concurrent;
using System.Text;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeAllowlist.Testing.Fakes;

public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>
/// Kestrel on 127.0.0.1 and a random port, in front of a fake AWS service: every request is recorded,
/// and one whose SigV4 signature does not verify is refused before any route sees it, as AWS does.
/// </summary>
public sealed class FakeAwsHost : IAsyncDisposable
{
    /// <summary>The test suite's example credentials (aws-c-auth signing test suite), never a real key.</summary>
    public static readonly ImmutableCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);

    readonly WebApplication app;

    FakeAwsHost(WebApplication app, Uri endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public ConcurrentQueue<string> SignatureProblems { get; } = new();

    public static async Task<FakeAwsHost> StartAsync(string signingName, string region, Func<HttpContext, string, Task> refuseSignature, Action<WebApplication> mapRoutes)
    {
        var verifier = new SigV4Verifier(Credentials, region, signingName);
        FakeAwsHost? host = null;
        var (app, address) = await LoopbackHost.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer);
                var body = buffer.ToArray();
                host!.Requests.Enqueue(new(
                    context.Request.Method,
                    context.Request.Path.Value ?? "",
                    context.Request.QueryString.Value ?? "",
                    context.Request.Headers.ToDictionary(header => header.Key.ToLowerInvariant(), header => header.Value.ToString()),
                    body));
                if (verifier.Problem(context, body) is { } problem)
                {
                    host.SignatureProblems.Enqueue(problem);
                    await refuseSignature(context, problem);
                    return;
                }
                context.Request.Body = new MemoryStream(body);
                await next();
            });
            mapRoutes(app);
        });
        host = new(app, address);
        return host;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
