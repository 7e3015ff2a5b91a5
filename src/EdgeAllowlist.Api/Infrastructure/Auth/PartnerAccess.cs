using System.Security.Claims;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

public static class PartnerAccess
{
    /// <summary>
    /// <c>secrets:admin</c> may rotate any partner's secrets; <c>secrets:rotate</c> those of every
    /// partner, or only of the partners the token names.
    /// </summary>
    public static bool MayRotateSecretsOf(this ClaimsPrincipal user, string partner) =>
        user.HasClaim(ApiScopes.ClaimType, ApiScopes.SecretsAdmin)
        || user.HasClaim(ApiScopes.ClaimType, ApiScopes.SecretsRotate)
            && (!user.HasClaim(c => c.Type == ApiScopes.PartnerClaim) || user.HasClaim(ApiScopes.PartnerClaim, partner));
}
