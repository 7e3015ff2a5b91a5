using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Partners;

static class PartnerAccess
{
    public static void AddPartnerRules<T>(this AbstractValidator<T> validator, System.Linq.Expressions.Expression<Func<T, string>> partner) =>
        validator.RuleFor(partner).Matches("^[a-z0-9][a-z0-9-]{0,62}$")
            .WithMessage("partner must be a partner id: lowercase letters, digits and '-', at most 63 characters.");

    /// <summary>
    /// secrets:admin may act on every partner; secrets:rotate on the partners its token lists (all if
    /// none). A refusal is audited like any other 403 and answered with problem details.
    /// </summary>
    public static async Task EnsureMayManageAsync(this IValidationErrors endpoint, HttpContext context, AuditTrail audit, string partner, bool adminOnly, CancellationToken ct)
    {
        var user = context.User;
        var isAdmin = user.HasClaim(ApiScopes.ClaimType, ApiScopes.SecretsAdmin);
        var partners = user.FindAll(ApiScopes.PartnerClaim).Select(c => c.Value).ToList();
        var mayRotate = user.HasClaim(ApiScopes.ClaimType, ApiScopes.SecretsRotate) && (partners.Count == 0 || partners.Contains(partner));
        if (isAdmin || (!adminOnly && mayRotate))
            return;
        var detail = adminOnly ? "This needs the secrets:admin scope." : $"The token's secrets:rotate scope does not cover partner '{partner}'.";
        var actor = context.ToActor();
        await audit.AppendAsync(new AuditRecord(actor.Name, "auth.denied", $"{context.Request.Method} {context.Request.Path}", AuditOutcome.Forbidden,
            RequestId: actor.RequestId, Client: actor.Client, Detail: detail), ct);
        endpoint.ThrowError(detail, 403);
    }
}
