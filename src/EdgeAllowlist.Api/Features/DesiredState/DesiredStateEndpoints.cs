using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.DesiredState;

static class DesiredStateEndpoints
{
    /// <summary>
    /// Carries out an apply and answers a stale plan with 409 and the current plan, so the caller can
    /// review and retry with its digest; other refusals are problems answered by <see cref="Infrastructure.Errors.Problems"/>.
    /// </summary>
    public static async Task<ApplyResult?> ApplyOrRefuseAsync(this HttpContext context, Func<Task<ApplyResult>> apply, CancellationToken ct)
    {
        try
        {
            return await apply();
        }
        catch (StalePlanException e)
        {
            context.Response.StatusCode = 409;
            await context.Response.WriteAsJsonAsync(new StalePlanProblem(
                "https://tools.ietf.org/html/rfc9110#section-15.5.10", "The plan is stale.", 409, e.Message, context.Request.Path, e.Current),
                options: null, contentType: "application/problem+json", ct);
            return null;
        }
    }

    public static bool MayCreatePartners(this HttpContext context) => context.User.HasClaim(ApiScopes.ClaimType, ApiScopes.SecretsAdmin);
}

/// <summary>RFC 9457 problem details for a stale plan, with the plan the store gives now.</summary>
sealed record StalePlanProblem(string Type, string Title, int Status, string Detail, string Instance, PlanView CurrentPlan);
