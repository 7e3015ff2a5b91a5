using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// Records every refused change (a mutation answered 4xx after authentication: bad input, unknown
/// target, quota, idempotency clash) as one audit entry, so the trail shows attempts as well as
/// changes (the reasons it names: <see cref="RejectionReason"/>). 401 and 403 are recorded where they are decided (<see cref="AuditingAuthorizationResultHandler"/>).
/// </summary>
public sealed class RejectionAuditMiddleware(RequestDelegate next, AuditTrail audit, ApiMetrics metrics)
{
    const int MaxReason = 1000;

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var status = context.Response.StatusCode;
        if (status is < 400 or >= 500 or 401 or 403 or 429 || HttpMethods.IsGet(context.Request.Method) || !context.Request.Path.StartsWithSegments("/v1"))
            return;
        metrics.Rejected(status == 422 ? "unprocessable" : "invalid");
        var actor = context.ToActor();
        await audit.AppendAsync(new AuditRecord(actor.Name, AuditActions.RequestRejected, $"{context.Request.Method} {context.Request.Path}", AuditOutcome.Rejected,
            RequestId: actor.RequestId, Client: actor.Client,
            Detail: RejectionReason.Of(context) is { } reason ? $"HTTP {status}: {(reason.Length > MaxReason ? reason[..MaxReason] + "…" : reason)}" : $"HTTP {status}"), CancellationToken.None);
    }
}
