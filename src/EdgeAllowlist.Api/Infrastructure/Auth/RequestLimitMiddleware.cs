using System.Globalization;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Observability;
using Microsoft.AspNetCore.Authorization;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// Runs <see cref="RequestLimiter"/> on every route that needs a token (FastEndpoints' and <c>/metrics</c>
/// alike: whatever carries authorization metadata), after authentication so a valid token is known
/// and counted per token instead of per address.
/// </summary>
public sealed class RequestLimitMiddleware(RequestDelegate next, RequestLimiter limiter, ApiMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!NeedsToken(context.GetEndpoint()))
        {
            await next(context);
            return;
        }
        var tokenId = context.User.TokenId();
        var wait = tokenId is null ? limiter.AdmitAnonymous(context.Connection.RemoteIpAddress) : limiter.AdmitToken(tokenId);
        if (wait is null)
        {
            await next(context);
            return;
        }
        metrics.Rejected("rate-limited");
        var detail = tokenId is null
            ? "Too many failed authentications from this address; requests without a valid token are refused until the Retry-After time. Requests with a valid token still get through."
            : "This token sent more requests than its limit allows; try again after the Retry-After time.";
        await Problems.WriteAsync(context, new(StatusCodes.Status429TooManyRequests, detail,
            headers: new Dictionary<string, string> { ["Retry-After"] = Math.Max(1, Math.Ceiling(wait.Value.TotalSeconds)).ToString(CultureInfo.InvariantCulture) }));
    }

    static bool NeedsToken(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<IAuthorizeData>() is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null;
}
