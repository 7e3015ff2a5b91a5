using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Idempotency;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Store.Aws;
using EdgeAllowlist.Store.Local;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry.Metrics;

namespace EdgeAllowlist.Api.Infrastructure;

/// <summary>The service's parts, one method per concern, so Program.cs reads as a table of contents.</summary>
public static class ServiceRegistration
{
    /// <summary>The data folder (setting <c>DataDirectory</c>, default <c>data</c> under the working directory), created 0700.</summary>
    public static string DataDirectory(this IConfiguration configuration)
    {
        var path = Path.GetFullPath(configuration["DataDirectory"] is { Length: > 0 } configured ? configured : "data");
        PrivateFiles.CreateFolder(path);
        return path;
    }

    /// <summary>PostgreSQL when <c>Database:ConnectionString</c> is set; else SQLite at <c>&lt;data&gt;/edge-allowlist.db</c>.</summary>
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton<IDatabase>(_ => configuration["Database:ConnectionString"] is { Length: > 0 } connectionString
            ? new PostgresDatabase(connectionString)
            : new SqliteDatabase(Path.Combine(configuration.DataDirectory(), "edge-allowlist.db")));

    /// <summary>
    /// The CloudFront KeyValueStore named by <c>Kvs:Arn</c> (credentials from the AWS default chain);
    /// without one, the embedded local store in <c>&lt;data&gt;/kvs</c>.
    /// </summary>
    public static IServiceCollection AddKeyValueStore(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton<IKeyValueStore>(sp => KeyValueStoreClientOptions.From(configuration) is { Arn.Length: > 0 } options
            ? new KeyValueStoreClient(options)
            : LocalKeyValueStore.Open(Path.Combine(configuration.DataDirectory(), "kvs"), logger: sp.GetRequiredService<ILogger<LocalKeyValueStore>>()));

    public static IServiceCollection AddWritePath(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSingleton(TimeProvider.System)
            .AddSingleton<AuditTrail>()
            .AddSingleton<Features.Origins.OriginNotes>()
            .Configure<Features.DesiredState.DesiredStateOptions>(configuration.GetSection("DesiredState"))
            .AddSingleton<Features.DesiredState.DesiredStateService>()
            .AddSingleton(_ => EdgeFunction.EdgeFunctionRuntime.Load())
            .AddSingleton<Features.Expectations.ExpectationEvaluator>()
            .AddSingleton<Features.Expectations.ExpectationStore>()
            .AddSingleton<Features.Expectations.ExpectationChecks>()
            .AddSingleton<IChangeChecks>(sp => sp.GetRequiredService<Features.Expectations.ExpectationChecks>())
            .Configure<Features.Rollout.RolloutOptions>(configuration.GetSection("Rollout"))
            .Configure<WriterOptions>(configuration.GetSection("Writer"))
            .Configure<Idempotency.IdempotencyOptions>(configuration.GetSection("Idempotency"))
            .AddSingleton<MirrorRepository>()
            .Configure<Integrity.IntegrityOptions>(configuration.GetSection("Integrity"))
            .AddSingleton<Integrity.IntegrityMonitor>()
            // Before the writer: the first check repairs the mirror before the writer loads it.
            .AddHostedService(sp => sp.GetRequiredService<Integrity.IntegrityMonitor>())
            .AddSingleton<RetryPolicy>()
            .AddSingleton<StoreApplier>()
            .AddSingleton<BatchProcessor>()
            .AddSingleton<StoreWriter>()
            .AddHostedService(sp => sp.GetRequiredService<StoreWriter>());

    /// <summary>Partners, their secrets and the sweep that ends them (settings <c>Secrets:*</c>).</summary>
    public static IServiceCollection AddPartnerSecrets(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddOptions<Features.Secrets.SecretOptions>().Bind(configuration.GetSection("Secrets"))
            .Validate(o => o.IsValid, Features.Secrets.SecretOptions.Rules).ValidateOnStart().Services
            .AddSingleton<Features.Partners.PartnerDirectory>()
            .AddSingleton<Features.Secrets.PartnerSecrets>()
            .AddSingleton<Features.Secrets.SecretSweep>()
            .AddHostedService(sp => sp.GetRequiredService<Features.Secrets.SecretSweep>());

    public static IServiceCollection AddTokenAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .Configure<AuthOptions>(configuration.GetSection("Auth"))
            .PostConfigure<AuthOptions>(o => o.BootstrapToken ??= configuration["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] is { Length: > 0 } token ? token : null)
            .AddSingleton<ApiTokenStore>()
            .AddSingleton<IdempotencyCleanup>()
            .AddHostedService(sp => sp.GetRequiredService<IdempotencyCleanup>())
            .AddSingleton<BootstrapToken>()
            .AddSingleton<RequestLimiter>()
            .AddHostedService(sp => sp.GetRequiredService<RequestLimiter>())
            .AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>()
            .AddAuthorization()
            .AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        return services;
    }

    public static IServiceCollection AddObservability(this IServiceCollection services)
    {
        services.AddSingleton<ApiMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ApiMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// JSON lines on standard output with scopes, so every line carries the request id; on standard
    /// error instead for a command whose standard output is its answer (<see cref="AdminCommand"/>).
    /// ASP.NET's own request lines and request scope carry the raw path, where a pasted secret would
    /// stay; they are off, and <see cref="UseRequestIds"/> logs the request with secret-shaped parts redacted instead.
    /// </summary>
    public static ILoggingBuilder AddStructuredJson(this ILoggingBuilder logging, bool toStandardError = false)
    {
        logging.ClearProviders().AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None).AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        if (toStandardError)
            logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        return logging;
    }

    /// <summary>The request id in a header and in a log scope, and one log line per request; paths redacted.</summary>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAllowlist.Api.Requests");
        return app.Use(async (context, next) =>
        {
            context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
            var path = SecretRedaction.Redact(context.Request.Path.Value + context.Request.QueryString.Value);
            var started = TimeProvider.System.GetTimestamp();
            using (logger.BeginScope(new RequestLogScope(context.TraceIdentifier, path)))
            {
                await next(context);
                logger.LogInformation("{Method} {Path} answered {StatusCode} in {ElapsedMilliseconds:F1} ms",
                    context.Request.Method, path, context.Response.StatusCode, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            }
        });
    }

    public static IApplicationBuilder UseSecretShapedInputRefusal(this IApplicationBuilder app) =>
        app.UseMiddleware<SecretShapedInputMiddleware>();

    /// <summary>After authentication, so a valid token is counted per token and never locked out by its address.</summary>
    public static IApplicationBuilder UseRequestLimit(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestLimitMiddleware>();

    /// <summary>
    /// Headers on every answer, set as the response starts so that problem bodies, idempotent replays
    /// and middleware short-circuits carry them too: no MIME sniffing, no Referer leaking the API's
    /// URLs, and no cache (a browser, proxy or CDN) keeping a /v1 answer, which may hold a token or a secret.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                if (context.Request.Path.StartsWithSegments("/v1"))
                    headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            await next(context);
        });

    public static IApplicationBuilder UseOutageAnswers(this IApplicationBuilder app) =>
        app.UseMiddleware<Outages.OutageMiddleware>();

    public static IApplicationBuilder UseRejectionAudit(this IApplicationBuilder app) =>
        app.UseMiddleware<RejectionAuditMiddleware>();

    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) =>
        app.UseMiddleware<IdempotencyMiddleware>();

    /// <summary>
    /// Opens the store, creates the schema and, on the first start, the bootstrap admin token; before the
    /// first request. Returns the process exit code to stop with instead of running (0: run).
    /// </summary>
    public static async Task<int> InitializeAsync(this WebApplication app)
    {
        try
        {
            // Opened first so a damaged local store stops the start with one line, not a stack trace from a hosted service.
            app.Services.GetRequiredService<IKeyValueStore>();
        }
        catch (LocalStoreDamagedException damaged)
        {
            await Console.Error.WriteLineAsync(damaged.Message);
            return LocalStoreDamagedException.ExitCode;
        }
        await DatabaseSchema.EnsureAsync(app.Services.GetRequiredService<IDatabase>());
        await app.Services.GetRequiredService<BootstrapToken>().EnsureAsync(CancellationToken.None);
        return 0;
    }
}
