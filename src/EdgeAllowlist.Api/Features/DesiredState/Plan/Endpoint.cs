using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.DesiredState.Plan;

sealed class Endpoint(DesiredStateService desiredState) : Endpoint<DesiredStateDocument, PlanView>
{
    public override void Configure()
    {
        Post("/desired-state/plan");
        Permissions(ApiScopes.RulesRead);
        Summary(s =>
        {
            s.Summary = "What applying this document would change (additions, deletions, changes, with counts); writes nothing.";
            s.Description = "planDigest identifies exactly these changes: send it as If-Match to apply so that only the reviewed plan runs. needsForce is true when the deletions exceed the limit (DesiredState:MaxDeletions).";
        });
    }

    public override async Task HandleAsync(DesiredStateDocument req, CancellationToken ct)
    {
        await Send.OkAsync((await this.PlanOrRejectAsync(desiredState, req, ct)).View, ct);
    }
}

static class PlanRequests
{
    /// <summary>Rejects duplicates the validator cannot see (they appear only after normalisation) and rules too large for the shards, naming the path.</summary>
    public static async Task<ComputedPlan> PlanOrRejectAsync(this IValidationErrors endpoint, DesiredStateService desiredState, DesiredStateDocument document, CancellationToken ct)
    {
        foreach (var duplicate in document.Duplicates())
            endpoint.AddError(duplicate);
        endpoint.ThrowIfAnyErrors();
        try
        {
            return await desiredState.PlanAsync(document, ct);
        }
        catch (MutationRejectedException e) when (e.Field == "pattern")
        {
            // The shards overflow for the document's User-Agent rules as a whole, not for one pattern.
            throw new MutationRejectedException(e.StatusCode, "userAgents", e.Message);
        }
    }
}
