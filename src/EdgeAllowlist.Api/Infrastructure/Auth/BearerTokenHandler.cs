using System.Globalization;
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
    ApiTokenStore tokens,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>The 401 detail when no Authorization header came at all.</summary>
    public const string MissingToken = "No bearer token was sent.";

    // Each refusal says which of these it is, so a caller can tell a typo from a revoked CI token. Telling
    // unknown from revoked or expired reveals only that a token the caller already holds once existed.
    public const string UnknownToken = "The bearer token is unknown: no token with this value was ever issued here.";
    public const string RevokedToken = "The bearer token was revoked; ask for a new one.";
    public const string ExpiredToken = "The bearer token has expired; ask for a new one.";

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
            return AuthenticateResult.Fail(UnknownToken);
        if (token.RevokedAt is not null)
            return AuthenticateResult.Fail(RevokedToken);
        if (!token.IsActiveAt(time.GetUtcNow()))
            return AuthenticateResult.Fail(ExpiredToken);
        Claim[] claims =
        [
            new(ClaimTypes.Name, token.Name),
            new(ApiScopes.TokenIdClaim, token.Id),
            .. token.Scopes.Select(s => new Claim(ApiScopes.ClaimType, s)),
            .. token.Partners.Select(p => new Claim(ApiScopes.PartnerClaim, p)),
            .. token.ExpiresAt is { } expires ? [new Claim(ApiScopes.ExpiresClaim, expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))] : Array.Empty<Claim>(),
        ];
        Context.Features.Set(new PresentedToken(presented));
        return AuthenticateResult.Success(new(new(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}
