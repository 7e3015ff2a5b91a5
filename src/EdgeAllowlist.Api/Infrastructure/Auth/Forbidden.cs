using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

public static class Forbidden
{
    /// <summary>
    /// Answers 403 with a problem saying why, and audits it as <c>auth.denied</c>: the one way every
    /// refusal of an authenticated caller ends, whether the policy decided it (a missing scope) or an
    /// endpoint did (a partner or a grant the token may not make).
    /// </summary>
    public static async Task ForbidAsync(this HttpContext context, AuditTrail audit, string detail, CancellationToken ct)
    {
        var actor = context.ToActor();
        await audit.AppendAsync(new AuditRecord(actor.Name, AuditActions.AuthDenied, $"{context.Request.Method} {context.Request.Path}", AuditOutcome.Forbidden,
            RequestId: actor.RequestId, Client: actor.Client, Detail: detail), ct);
        await Problems.WriteAsync(context, new(StatusCodes.Status403Forbidden, detail));
    }
}
