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
    /// <summary>The data folder (setting <c>DataDirectory</c>, default <c>data</c> under the working directory).</summary>
    public static string DataDirectory(this IConfiguration configuration)
    {
        var path = Path.GetFullPath(configuration["DataDirectory"] is { Length: > 0 } configured ? configured : "data");
        Directory.CreateDirectory(path);
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
        services.AddSingleton<IKeyValueStore>(_ => KeyValueStoreClientOptions.From(configuration) is { Arn.Length: > 0 } options
            ? new KeyValueStoreClient(options)
            : LocalKeyValueStore.Open(Path.Combine(configuration.DataDirectory(), "kvs")));

    public static IServiceCollection AddWritePath(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddSingleton(TimeProvider.System)
            .AddSingleton<AuditTrail>()
            .AddSingleton<Features.Origins.OriginNotes>()
            .Configure<Features.DesiredState.DesiredStateOptions>(configuration.GetSection("DesiredState"))
            .AddSingleton<Features.DesiredState.DesiredStateService>()
            .AddSingleton(_ => EdgeFunction.EdgeFunctionRuntime.Load())
            .Configure<WriterOptions>(configuration.GetSection("Writer"))
            .Configure<Idempotency.IdempotencyOptions>(configuration.GetSection("Idempotency"))
            .AddSingleton<MirrorRepository>()
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
            .AddSingleton<FailedAuthenticationLimiter>()
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

    /// <summary>JSON lines on standard output with scopes, so every line carries the request id.</summary>
    public static ILoggingBuilder AddStructuredJson(this ILoggingBuilder logging) =>
        logging.ClearProviders().AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
            await next(context);
        });

    public static IApplicationBuilder UseOutageAnswers(this IApplicationBuilder app) =>
        app.UseMiddleware<Outages.OutageMiddleware>();

    public static IApplicationBuilder UseFailedAuthenticationLimit(this IApplicationBuilder app) =>
        app.UseMiddleware<FailedAuthenticationLimitMiddleware>();

    public static IApplicationBuilder UseRejectionAudit(this IApplicationBuilder app) =>
        app.UseMiddleware<RejectionAuditMiddleware>();

    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) =>
        app.UseMiddleware<IdempotencyMiddleware>();

    /// <summary>Creates the schema and, on the first start, the bootstrap admin token; before the first request.</summary>
    public static async Task InitializeAsync(this WebApplication app)
    {
        await DatabaseSchema.EnsureAsync(app.Services.GetRequiredService<IDatabase>());
        await app.Services.GetRequiredService<BootstrapToken>().EnsureAsync(CancellationToken.None);
    }
}
