using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace EdgeAllowlist.Api.WebConsole;

/// <summary>
/// The service's own request pipeline, captured as the app is built, so the console sends its calls
/// through exactly what an API client meets (authentication, the limiter, scopes, strict JSON,
/// secret-shaped input, idempotency, validation, the writer and the audit) instead of a second copy of it.
/// </summary>
public sealed class ApiPipeline
{
    RequestDelegate? pipeline;

    public RequestDelegate Pipeline => pipeline ?? throw new InvalidOperationException("The request pipeline was not captured: call UseApiPipelineCapture first.");

    internal void Capture(RequestDelegate captured) => pipeline = captured;
}

public static class ApiPipelineCapture
{
    /// <summary>First in the pipeline: everything after it, routing included, is what an in-process call runs.</summary>
    public static IApplicationBuilder UseApiPipelineCapture(this IApplicationBuilder app)
    {
        var holder = app.ApplicationServices.GetRequiredService<ApiPipeline>();
        app.Use(next =>
        {
            holder.Capture(next);
            return next;
        });
        return app.UseRouting();
    }
}

/// <summary>What an API call answered: status, headers and the body (JSON when it is JSON).</summary>
public sealed record ApiAnswer(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>The body as JSON (undefined when empty); parsed once, into an element that needs no disposing.</summary>
    public JsonElement Json => field.ValueKind != JsonValueKind.Undefined || Body.Length == 0 ? field : field = JsonSerializer.Deserialize<JsonElement>(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>A problem's detail and its field errors, as one line each, for the page to show.</summary>
    public IReadOnlyList<string> ProblemLines()
    {
        if (Ok || Body.Length == 0)
            return [];
        var problem = Json;
        List<string> lines = [];
        if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            lines.Add(detail.GetString()!);
        if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            foreach (var error in errors.EnumerateArray())
            {
                var line = $"{error.GetProperty("name").GetString()}: {error.GetProperty("reason").GetString()}";
                if (!lines.Contains(line) && !lines.Contains(error.GetProperty("reason").GetString()!))
                    lines.Add(line);
            }
        if (lines.Count == 0)
            lines.Add($"The API answered {Status}.");
        return lines;
    }
}

/// <summary>
/// Sends one API request through <see cref="ApiPipeline"/> in process, as the browser's client (its
/// address, so the failure limiter and the audit see the person, not the console) with a bearer token.
/// </summary>
public sealed class InProcessApi(ApiPipeline pipeline, IHttpContextFactory contexts, IHttpContextAccessor accessor)
{
    static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public Task<ApiAnswer> SendAsync(HttpContext caller, string token, string method, string pathAndQuery, object? body = null, string? idempotencyKey = null, string? ifMatch = null)
    {
        var payload = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, Web);
        return SendAsync(caller, token, method, pathAndQuery, new MemoryStream(payload, writable: false), body is null ? null : "application/json", body is null ? null : payload.Length, idempotencyKey, ifMatch);
    }

    /// <summary>A body sent as it is, for the routes that take an upload rather than one JSON request (rollout logs); length null sends it chunked.</summary>
    public Task<ApiAnswer> SendStreamAsync(HttpContext caller, string token, string method, string pathAndQuery, Stream body, string contentType, long? length) =>
        SendAsync(caller, token, method, pathAndQuery, body, contentType, length, null, null);

    async Task<ApiAnswer> SendAsync(HttpContext caller, string token, string method, string pathAndQuery, Stream body, string? contentType, long? length, string? idempotencyKey, string? ifMatch)
    {
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var request = new HttpRequestFeature
        {
            Method = method,
            Scheme = caller.Request.Scheme,
            Protocol = "HTTP/1.1",
            PathBase = "",
            Path = query < 0 ? pathAndQuery : pathAndQuery[..query],
            QueryString = query < 0 ? "" : pathAndQuery[query..],
            RawTarget = pathAndQuery,
        };
        request.Headers.Host = caller.Request.Host.Value ?? "localhost";
        request.Headers.Authorization = $"Bearer {token}";
        request.Headers.Accept = "application/json";
        if (idempotencyKey is not null)
            request.Headers["Idempotency-Key"] = idempotencyKey;
        if (ifMatch is not null)
            request.Headers.IfMatch = $"\"{ifMatch}\"";
        if (contentType is not null)
            request.Headers.ContentType = contentType;
        if (length is not null)
            request.Headers.ContentLength = length;
        request.Body = body;

        var response = new BufferedResponse();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = caller.Connection.Id,
            RemoteIpAddress = caller.Connection.RemoteIpAddress ?? IPAddress.Loopback,
            RemotePort = caller.Connection.RemotePort,
            LocalIpAddress = caller.Connection.LocalIpAddress,
            LocalPort = caller.Connection.LocalPort,
        });
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = caller.RequestAborted });

        var outer = accessor.HttpContext;
        var context = contexts.Create(features);
        try
        {
            await pipeline.Pipeline(context);
            await response.CompleteAsync();
            var headers = response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            return new ApiAnswer(response.StatusCode, headers, response.Buffer.ToArray());
        }
        finally
        {
            contexts.Dispose(context);
            accessor.HttpContext = outer;
        }
    }

    /// <summary>The response kept in memory; its OnStarting callbacks (security headers) run when the pipeline is done, as a server runs them before the first byte.</summary>
    sealed class BufferedResponse : IHttpResponseFeature, IHttpResponseBodyFeature
    {
        readonly List<(Func<object, Task> Callback, object State)> starting = [];
        readonly List<(Func<object, Task> Callback, object State)> completed = [];

        public MemoryStream Buffer { get; } = new();

        public int StatusCode { get; set; } = 200;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

        public Stream Body
        {
            get => Buffer;
            set => throw new NotSupportedException("Replace the body through IHttpResponseBodyFeature.");
        }

        public bool HasStarted { get; private set; }

        public Stream Stream => Buffer;

        public System.IO.Pipelines.PipeWriter Writer => field ??= System.IO.Pipelines.PipeWriter.Create(Buffer, new(leaveOpen: true));

        public void OnStarting(Func<object, Task> callback, object state) => starting.Insert(0, (callback, state));

        public void OnCompleted(Func<object, Task> callback, object state) => completed.Insert(0, (callback, state));

        public void DisableBuffering()
        {
        }

        public async Task StartAsync(CancellationToken cancellationToken = default) => await FireStartingAsync();

        public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        {
            await FireStartingAsync();
            await using var file = File.OpenRead(path);
            file.Seek(offset, SeekOrigin.Begin);
            await file.CopyToAsync(Buffer, cancellationToken);
        }

        public async Task CompleteAsync()
        {
            await FireStartingAsync();
            await Writer.FlushAsync();
            foreach (var (callback, state) in completed)
                await callback(state);
        }

        async Task FireStartingAsync()
        {
            if (HasStarted)
                return;
            HasStarted = true;
            foreach (var (callback, state) in starting)
                await callback(state);
        }
    }
}
