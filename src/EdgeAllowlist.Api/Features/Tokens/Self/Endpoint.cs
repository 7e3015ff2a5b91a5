using System.Security.Claims;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Tokens.Self;

/// <summary>
/// The calling token's own grants, so a client can check before a multi-step operation (a secret
/// rotation) that every step is allowed, instead of finding out halfway.
/// </summary>
sealed class Endpoint : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/tokens/self");
        Summary(s => s.Summary = "The calling token: id, name, scopes, the partners it is limited to, and its expiry. Any valid token.");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var expires = User.FindFirstValue(ApiScopes.ExpiresClaim) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms, System.Globalization.CultureInfo.InvariantCulture)) : (DateTimeOffset?)null;
        await Send.OkAsync(new(
            User.FindFirstValue(ApiScopes.TokenIdClaim),
            User.Identity?.Name,
            [.. User.FindAll(ApiScopes.ClaimType).Select(c => c.Value).Order(StringComparer.Ordinal)],
            [.. User.FindAll(ApiScopes.PartnerClaim).Select(c => c.Value).Order(StringComparer.Ordinal)],
            expires), ct);
    }
}

/// <param name="Partners">Empty: not limited to partners.</param>
sealed record Response(string? Id, string? Name, IReadOnlyList<string> Scopes, IReadOnlyList<string> Partners, DateTimeOffset? ExpiresAt);
