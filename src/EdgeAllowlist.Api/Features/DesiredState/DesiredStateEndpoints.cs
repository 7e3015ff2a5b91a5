using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.DesiredState;

static class DesiredStateEndpoints
{
    public static bool MayCreatePartners(this HttpContext context) => context.User.HasClaim(ApiScopes.ClaimType, ApiScopes.SecretsAdmin);
}

/// <summary>The body of a stale plan's 409, for the OpenAPI document: problem details with the plan the store gives now (<see cref="StalePlanException"/>).</summary>
sealed record StalePlanProblem(string Type, string Title, int Status, string Instance, string TraceId, string Detail, IReadOnlyList<ProblemDetails.Error> Errors, PlanView CurrentPlan);
