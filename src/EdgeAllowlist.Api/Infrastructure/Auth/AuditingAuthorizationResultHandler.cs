using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// Where every refused request ends: 401 (no valid token) and 403 (token lacks the scope) are
/// counted and answered with problem details. A 403 is audited at once, as its caller is known; a
/// 401 goes to the limiter, which counts it towards the address's failure limit and audits the
/// address's failures in aggregate, so an anonymous flood cannot grow the trail one row per request.
/// </summary>
public sealed class AuditingAuthorizationResultHandler(AuditTrail audit, RequestLimiter limiter, ApiMetrics metrics) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }
        if (authorizeResult.Challenged)
        {
            // The authentication middleware keeps only successes; asking again returns the handler's cached result, no second lookup.
            var reason = (await context.AuthenticateAsync()).Failure?.Message ?? BearerTokenHandler.MissingToken;
            limiter.RecordFailure(context.Connection.RemoteIpAddress, reason, $"{context.Request.Method} {context.Request.Path}");
            metrics.Rejected("unauthenticated");
            await Problems.WriteAsync(context, new(StatusCodes.Status401Unauthorized, reason, headers: new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" }));
            return;
        }
        metrics.Rejected("forbidden");
        var required = context.GetEndpoint()?.Metadata.GetMetadata<EndpointDefinition>()?.AllowedPermissions?.ToList() ?? [];
        var detail = required.Count == 0
            ? "The token is not allowed to do this."
            : $"The token lacks the scope this needs: {string.Join(" or ", required)}.";
        await context.ForbidAsync(audit, detail, context.RequestAborted);
    }
}
