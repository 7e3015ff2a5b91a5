using System.Globalization;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Observability;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>Answers 429 to a client address that failed authentication too often, before its token is even looked at.</summary>
public sealed class FailedAuthenticationLimitMiddleware(RequestDelegate next, FailedAuthenticationLimiter limiter, ApiMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/v1") && limiter.RetryAfter(context.Connection.RemoteIpAddress) is { } wait)
        {
            metrics.Rejected("rate-limited");
            await Problems.WriteAsync(context, new(StatusCodes.Status429TooManyRequests, "Too many failed authentications from this address; try again later.",
                headers: new Dictionary<string, string> { ["Retry-After"] = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture) }));
            return;
        }
        await next(context);
    }
}
