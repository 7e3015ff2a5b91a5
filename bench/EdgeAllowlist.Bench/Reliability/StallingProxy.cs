using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeAllowlist.Reliability;

/// <summary>
/// A pass-through between the API and the emulator that holds a share of calls longer than the
/// API's attempt timeout and then still forwards them: the client times out, and a write lands
/// after it gave up — the emulator's own faults cover error statuses and dropped answers.
/// The Host header is kept, so the client's SigV4a signature still verifies.
/// </summary>
public sealed class StallingProxy : IAsyncDisposable
{
    static readonly UriCreationOptions AsWritten = new() { DangerousDisablePathAndQueryCanonicalization = true };

    readonly WebApplication app;
    readonly HttpClient forward = new();
    int stalled;

    StallingProxy(WebApplication app) => this.app = app;

    public Uri Address => new(app.Urls.First());

    public int Stalled => Volatile.Read(ref stalled);

    public double StallRate { get; set; }

    public static async Task<StallingProxy> StartAsync(Uri target, TimeSpan stall)
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        var app = builder.Build();
        var proxy = new StallingProxy(app);
        app.Run(context => proxy.ForwardAsync(context, target, stall));
        await app.StartAsync();
        return proxy;
    }

    async Task ForwardAsync(HttpContext context, Uri target, TimeSpan stall)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        // The raw target, as signed: the decoded Path would turn %3A back into ':' and break the signature.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var request = new HttpRequestMessage(new(context.Request.Method), new Uri(target.GetLeftPart(UriPartial.Authority) + rawTarget, AsWritten));
        if (body.Length > 0 || context.Request.ContentLength is > 0)
            request.Content = new ByteArrayContent(body.ToArray());
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        request.Headers.Host = context.Request.Host.Value;
        if (Random.Shared.NextDouble() < StallRate)
        {
            Interlocked.Increment(ref stalled);
            // Not the request's token: the call goes on after the client has hung up.
            await Task.Delay(stall, CancellationToken.None);
        }
        HttpResponseMessage response;
        byte[] content;
        try
        {
            response = await forward.SendAsync(request, CancellationToken.None);
            content = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
        }
        catch (HttpRequestException)
        {
            // The emulator dropped the connection (after applying a write): drop ours the same way.
            context.Abort();
            return;
        }
        using var disposing = response;
        if (context.RequestAborted.IsCancellationRequested)
            return;
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name is not ("Transfer-Encoding" or "Content-Length"))
                context.Response.Headers[name] = values.ToArray();
        }
        await context.Response.Body.WriteAsync(content, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        forward.Dispose();
    }
}
