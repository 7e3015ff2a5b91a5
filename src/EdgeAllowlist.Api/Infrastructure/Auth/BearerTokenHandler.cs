using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>Authenticates <c>Authorization: Bearer eaat_…</c> against the hashed tokens in the database.</summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenStore tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
            return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("The Authorization header is not a bearer token.");
        var presented = header["Bearer ".Length..].Trim();
        if (!ApiTokenStore.LooksLikeToken(presented))
            return AuthenticateResult.Fail("The bearer token is malformed.");
        var token = await tokens.AuthenticateAsync(presented, Context.RequestAborted);
        if (token is null)
            return AuthenticateResult.Fail("The bearer token is unknown, expired or revoked.");
        Claim[] claims =
        [
            new(ClaimTypes.Name, token.Name),
            new(ApiScopes.TokenIdClaim, token.Id),
            .. token.Scopes.Select(s => new Claim(ApiScopes.ClaimType, s)),
            .. token.Partners.Select(p => new Claim(ApiScopes.PartnerClaim, p)),
        ];
        Context.Features.Set(new PresentedToken(presented));
        return AuthenticateResult.Success(new(new(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}
