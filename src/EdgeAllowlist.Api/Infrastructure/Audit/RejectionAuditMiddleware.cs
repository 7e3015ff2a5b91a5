using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Audit;

/// <summary>
/// Records every refused change (a mutation answered 4xx after authentication: bad input, unknown
/// target, quota, idempotency clash) as one audit entry, so the trail shows attempts as well as
/// changes. 401 and 403 are recorded where they are decided (<see cref="AuditingAuthorizationResultHandler"/>).
/// </summary>
public sealed class RejectionAuditMiddleware(RequestDelegate next, AuditTrail audit, ApiMetrics metrics)
{
    const string ReasonKey = "EdgeAllowlist.RejectionReason";
    const int MaxReason = 1000;

    /// <summary>The fields and reasons the 4xx names, kept for this request's audit entry (its detail says more than "HTTP 400").</summary>
    public static void RecordReason(HttpContext context, IReadOnlyList<(string Field, string Reason)> reasons)
    {
        if (reasons.Count > 0)
            context.Items[ReasonKey] = string.Join("; ", reasons.Select(r => r.Field.Length == 0 ? r.Reason : $"{r.Field}: {r.Reason}"));
    }

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
            Detail: context.Items[ReasonKey] is string reason ? $"HTTP {status}: {(reason.Length > MaxReason ? reason[..MaxReason] + "…" : reason)}" : $"HTTP {status}"), CancellationToken.None);
    }
}
