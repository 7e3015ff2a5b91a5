using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// Where every refused request ends: 401 (no valid token) and 403 (token lacks the scope) are
/// audited, counted, answered with problem details, and 401s count towards the client's failure limit.
/// </summary>
public sealed class AuditingAuthorizationResultHandler(AuditTrail audit, FailedAuthenticationLimiter limiter, ApiMetrics metrics) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }
        var actor = context.ToActor();
        var target = $"{context.Request.Method} {context.Request.Path}";
        if (authorizeResult.Challenged)
        {
            limiter.RecordFailure(context.Connection.RemoteIpAddress);
            metrics.Rejected("unauthenticated");
            var reason = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message
                ?? "No bearer token was sent.";
            await audit.AppendAsync(new AuditRecord(actor.Name, "auth.denied", target, AuditOutcome.Unauthenticated,
                RequestId: actor.RequestId, Client: actor.Client, Detail: reason), context.RequestAborted);
            await Problems.WriteAsync(context, new(StatusCodes.Status401Unauthorized, reason, headers: new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" }));
            return;
        }
        metrics.Rejected("forbidden");
        var required = context.GetEndpoint()?.Metadata.GetMetadata<EndpointDefinition>()?.AllowedPermissions?.ToList() ?? [];
        var detail = required.Count == 0
            ? "The token is not allowed to do this."
            : $"The token lacks the scope this needs: {string.Join(" or ", required)}.";
        await audit.AppendAsync(new AuditRecord(actor.Name, "auth.denied", target, AuditOutcome.Forbidden,
            RequestId: actor.RequestId, Client: actor.Client, Detail: detail), context.RequestAborted);
        await Problems.WriteAsync(context, new(StatusCodes.Status403Forbidden, detail));
    }
}
