using EdgeAllowlist.Api.Infrastructure.Admin;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Configuration;
using EdgeAllowlist.Api.Infrastructure.Crypto;
using EdgeAllowlist.Api.Infrastructure.Idempotency;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Aws;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace EdgeAllowlist.Api;

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

    /// <summary>
    /// Every configuration section this service reads, each bound once to its typed class and checked
    /// before anything starts (<see cref="SettingsCheck"/>). The top-level <c>DataDirectory</c> and
    /// <c>EDGE_ALLOWLIST_BOOTSTRAP_TOKEN</c> (read into <c>Auth:BootstrapToken</c>) are the only other keys.
    /// </summary>
    public static IServiceCollection AddSettings(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSettings<DatabaseOptions>(configuration)
            .AddSettings<KvsSettings>(configuration)
            .AddSettings<AuthOptions>(configuration)
            .PostConfigure<AuthOptions>(o => o.BootstrapToken ??= configuration["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] is { Length: > 0 } token ? token : null)
            .AddSettings<WriterOptions>(configuration)
            .AddSettings<Infrastructure.Idempotency.IdempotencyOptions>(configuration)
            .AddSettings<Infrastructure.Integrity.IntegrityOptions>(configuration)
            .AddSettings<Features.Secrets.SecretOptions>(configuration)
            .AddSettings<Features.DesiredState.DesiredStateOptions>(configuration)
            .AddSettings<Features.Rollout.RolloutOptions>(configuration)
            .AddSettings<AuditOptions>(configuration)
            .AddSettings<MirrorOptions>(configuration);

    /// <summary>PostgreSQL when <c>Database:ConnectionString</c> is set; else SQLite at <c>&lt;data&gt;/edge-allowlist.db</c>.</summary>
    /// <remarks>Its schema check runs first among the hosted services and never stops the start (<see cref="DatabaseStartup"/>).</remarks>
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSingleton<IDatabase>(sp => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value is { ConnectionString.Length: > 0 } options
                ? new PostgresDatabase(options.ConnectionString, options.PoolCheckAfterQuiet)
                : new SqliteDatabase(Path.Combine(configuration.DataDirectory(), "edge-allowlist.db")))
            .AddSingleton<Infrastructure.Readiness.ServiceReadiness>()
            .AddSingleton<DatabaseStartup>()
            .AddHostedService(sp => sp.GetRequiredService<DatabaseStartup>());

    /// <summary>
    /// The CloudFront KeyValueStore named by <c>Kvs:Arn</c> (credentials from the AWS default chain);
    /// without one, the embedded local store in <c>&lt;data&gt;/kvs</c>.
    /// </summary>
    public static IServiceCollection AddKeyValueStore(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSingleton<IKeyValueStore>(sp => sp.GetRequiredService<IOptions<KvsSettings>>().Value is { Arn.Length: > 0 } options
            ? new KeyValueStoreClient(options)
            : LocalKeyValueStore.Open(Path.Combine(configuration.DataDirectory(), "kvs"), logger: sp.GetRequiredService<ILogger<LocalKeyValueStore>>()));

    /// <summary>
    /// The audit key (<c>Audit:Kms:KeyId</c>: that KMS key; else the key file <c>Audit:KeyFile</c>,
    /// by default beside the data folder, created on first start), the checkpoints it signs and the
    /// verification that reads them (settings <c>Audit:*</c>).
    /// </summary>
    public static IServiceCollection AddAuditSigning(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSingleton<EdgeAllowlist.Audit.Signing.IAuditSigner>(sp =>
            {
                var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuditOptions>>().Value;
                return options.Kms.KeyId is { Length: > 0 }
                    ? new Infrastructure.Audit.Signing.KmsAuditSigner(options.Kms)
                    : Infrastructure.Audit.Signing.LocalKeyFileSigner.OpenOrCreate(options.KeyFile is { Length: > 0 } path ? Path.GetFullPath(path) : AuditOptions.KeyFileFor(configuration.DataDirectory()));
            })
            .AddSingleton<Infrastructure.Audit.Signing.AuditSigning>()
            .AddSingleton<AuditCheckpoints>()
            .AddHostedService(sp => sp.GetRequiredService<AuditCheckpoints>())
            .AddSingleton<AuditVerifier>();

    public static IServiceCollection AddWritePath(this IServiceCollection services) =>
        services
            .AddSingleton(TimeProvider.System)
            .AddSingleton<AuditTrail>()
            .AddSingleton<Features.Origins.OriginNotes>()
            .AddSingleton<Features.DesiredState.DesiredStateService>()
            .AddSingleton(_ => EdgeFunction.EdgeFunctionRuntime.Load())
            .AddSingleton<Features.Expectations.ExpectationEvaluator>()
            .AddSingleton<Features.Expectations.ExpectationStore>()
            .AddSingleton<Features.Expectations.ExpectationChecks>()
            .AddSingleton<IChangeChecks>(sp => sp.GetRequiredService<Features.Expectations.ExpectationChecks>())
            .AddSingleton<MirrorRepository>()
            .AddSingleton(sp => MirrorSeal.From(sp.GetRequiredService<IOptions<MirrorOptions>>().Value, sp.GetRequiredService<IConfiguration>().DataDirectory()))
            .AddSingleton<RollbackAcceptance>()
            .AddSingleton<Infrastructure.Integrity.IntegrityMonitor>()
            // Before the writer: the first check repairs the mirror before the writer loads it.
            .AddHostedService(sp => sp.GetRequiredService<Infrastructure.Integrity.IntegrityMonitor>())
            .AddSingleton<RetryPolicy>()
            .AddSingleton<StoreApplier>()
            .AddSingleton<BatchProcessor>()
            .AddSingleton<StoreWriter>()
            .AddHostedService(sp => sp.GetRequiredService<StoreWriter>());

    /// <summary>Partners, their secrets and the sweep that ends them (settings <c>Secrets:*</c>).</summary>
    public static IServiceCollection AddPartnerSecrets(this IServiceCollection services) =>
        services
            .AddSingleton<Features.Partners.PartnerDirectory>()
            .AddSingleton<Features.Secrets.PartnerSecrets>()
            .AddSingleton<Features.Secrets.SecretSweep>()
            .AddHostedService(sp => sp.GetRequiredService<Features.Secrets.SecretSweep>());

    public static IServiceCollection AddTokenAuthentication(this IServiceCollection services)
    {
        services
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

    public static IApplicationBuilder UseWellFormedText(this IApplicationBuilder app) =>
        app.UseMiddleware<Infrastructure.Http.WellFormedTextMiddleware>();

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
        app.UseMiddleware<Infrastructure.Outages.OutageMiddleware>();

    public static IApplicationBuilder UseRejectionAudit(this IApplicationBuilder app) =>
        app.UseMiddleware<RejectionAuditMiddleware>();

    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) =>
        app.UseMiddleware<IdempotencyMiddleware>();

    /// <summary>
    /// Refuses a start on settings that can never work (one line each, exit 78) and on damaged data,
    /// with one line on standard error and exit code 65 (the local store's log, or the SQLite file:
    /// header or <c>PRAGMA quick_check</c>); before the first request. A dependency that is only away (the
    /// database, the store, a full disk) never stops the start: the schema is created by
    /// <see cref="DatabaseStartup"/> once the database answers. Returns the exit code to stop with (0: run).
    /// </summary>
    public static async Task<int> InitializeAsync(this WebApplication app)
    {
        if (SettingsCheck.Problems(app.Services) is { } problems)
        {
            foreach (var problem in problems)
                await Console.Error.WriteLineAsync($"Configuration: {problem}");
            return SettingsCheck.ExitCode;
        }
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
        if (await app.Services.GetRequiredService<IDatabase>().FindDamageAsync() is { } damage)
        {
            await Console.Error.WriteLineAsync(damage);
            return SqliteDatabase.DamagedExitCode;
        }
        await PrintAuditKeyAsync(app);
        return 0;
    }

    /// <summary>
    /// The public key that verifies the checkpoints, on standard error at every start (a new local key
    /// says so): an auditor keeps it apart from the database, and a changed key is visible in the logs.
    /// </summary>
    static async Task PrintAuditKeyAsync(WebApplication app)
    {
        var signing = app.Services.GetRequiredService<Infrastructure.Audit.Signing.AuditSigning>();
        try
        {
            var key = await signing.KeyAsync(CancellationToken.None);
            var created = signing.Signer is Infrastructure.Audit.Signing.LocalKeyFileSigner { Created: true } file ? $" (created now in {file.Path})" : "";
            await Console.Error.WriteLineAsync($"Audit checkpoints are signed by a {signing.Kind} key{created}, id {key.KeyId}; public key (also at GET /v1/audit/public-key):\n{key.Pem}");
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or AwsCredentialsException)
        {
            // KMS unreachable at start: serve anyway; checkpoints wait, and verification reports them stale.
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeAllowlist.Api.Audit")
                .LogError(e, "Could not read the audit key's public key from KMS; checkpoints are not signed until it answers");
        }
    }
}
