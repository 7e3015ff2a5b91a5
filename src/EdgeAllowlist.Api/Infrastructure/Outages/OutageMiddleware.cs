using System.Globalization;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Schema;

namespace EdgeAllowlist.Api.Infrastructure.Outages;

/// <summary>
/// Turns "a dependency is down" into a 503 problem body that names it, with Retry-After, wherever in
/// the pipeline it surfaces (token check, idempotency record, writer, audit query), instead of a
/// 500 with an empty body. Bugs stay 500s: only outages the database or the store report as such are
/// mapped. Nothing here retries; the service recovers because every request and every writer batch
/// opens its connections and calls anew.
/// </summary>
public sealed class OutageMiddleware(RequestDelegate next, IDatabase database, DatabaseStartup startup, ILogger<OutageMiddleware> logger)
{
    /// <summary>What clients are told to wait; the database and the store are re-tried on the next request, so recovery takes at most this long after the dependency is back.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public async Task InvokeAsync(HttpContext context)
    {
        // Until the schema is in place every table is missing: a request would meet "no such table"
        // (a 500) instead of the outage it is. Liveness and readiness answer regardless.
        if (!startup.IsReady && !IsHealthProbe(context.Request.Path))
        {
            await WriteAsync(context, DependencyUnavailableException.Database, $"the schema has not been checked since the service started ({startup.Problem}).");
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && Classify(e) is { } outage)
        {
            logger.LogWarning("Answering 503: the {Dependency} is unavailable ({Reason})", outage.Dependency, outage.Reason);
            context.Response.Clear();
            await WriteAsync(context, outage.Dependency, outage.Reason);
        }
    }

    /// <summary>The 503 problem body: which dependency (named in its errors), why, and when to retry.</summary>
    public static Task WriteAsync(HttpContext context, string dependency, string reason) =>
        Problems.WriteAsync(context, new ProblemException(StatusCodes.Status503ServiceUnavailable,
            $"The {dependency} is unavailable: {reason} Retry after {RetryAfter.TotalSeconds:0} s; a change this request started is either applied and audited by recovery or not applied.",
            dependency, new Dictionary<string, string> { ["Retry-After"] = RetryAfter.TotalSeconds.ToString(CultureInfo.InvariantCulture) },
            title: $"The {dependency} is unavailable"));

    static bool IsHealthProbe(PathString path) => path == "/healthz" || path == "/readyz";

    (string Dependency, string Reason)? Classify(Exception e) => e switch
    {
        DependencyUnavailableException d => (d.Dependency, d.Message),
        DbException db when database.IsOutage(db) => (DependencyUnavailableException.Database, $"{database.Provider}: {db.Message}"),
        KvsException { IsTransient: true } kvs => (DependencyUnavailableException.Store, $"{kvs.ErrorCode}: {kvs.Message}"),
        { InnerException: { } inner } => Classify(inner),
        _ => null,
    };
}
