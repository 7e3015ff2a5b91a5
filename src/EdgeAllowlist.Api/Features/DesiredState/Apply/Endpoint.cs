using EdgeAllowlist.Api.Features.DesiredState.Plan;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.DesiredState.Apply;

sealed class Endpoint(DesiredStateService desiredState) : Endpoint<DesiredStateDocument, ApplyResult>
{
    public override void Configure()
    {
        Post("/desired-state/apply");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.Produces<StalePlanProblem>(409, "application/problem+json").ProducesProblemDetails(422).ProducesProblemDetails(503));
        Summary(s =>
        {
            s.Summary = "Make the rules what the document says, as one audited change (desired-state.apply).";
            s.Description = "Query force=true: allow more deletions than DesiredState:MaxDeletions (otherwise 422, nothing written). "
                + "Header If-Match: a planDigest from plan; if the plan is no longer the same, 409 with the current plan and nothing written. "
                + "New partners need secrets:admin as well; an existing partner is never changed (422).";
        });
    }

    public override async Task HandleAsync(DesiredStateDocument req, CancellationToken ct)
    {
        var expected = HttpContext.Request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch ? ifMatch.Trim('"') : null;
        await this.PlanOrRejectAsync(desiredState, req, ct);
        var actor = HttpContext.ToActor();
        await Send.OkAsync(await desiredState.ApplyAsync(
            req, actor.Force, expected, HttpContext.MayCreatePartners(), actor, AuditActions.DesiredStateApply, null, ct), ct);
    }
}
