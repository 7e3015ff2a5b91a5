using System.Globalization;
using System.Security.Claims;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// Tokens form a closed lattice: a caller mints only tokens at or below itself, and acts against
/// another token (revokes it, undoes its rotation) only when that token is at or below itself too.
/// Otherwise <c>tokens:admin</c> alone would be root by revoking every administrator, and a
/// one-partner rotation token could take back an administrator's rotation.
/// Each check is null when the other token is within the caller's own; else what exceeds, for the 403.
/// </summary>
public static class TokenLattice
{
    /// <summary>What the other token holds: its scopes, the partners <c>secrets:rotate</c> is limited to, its expiry.</summary>
    public sealed record Grant(IReadOnlyCollection<string> Scopes, IReadOnlyCollection<string> Partners, DateTimeOffset? ExpiresAt)
    {
        public static Grant Of(ApiToken token) => new(token.Scopes, token.Partners, token.ExpiresAt);
    }

    /// <summary>Null when the caller could have minted <paramref name="other"/>: scopes, partners and expiry within its own.</summary>
    /// <param name="verb">What the caller tries, for the message: "grant", "revoke".</param>
    public static string? CouldNotMint(ClaimsPrincipal caller, Grant other, string verb) =>
        ScopesExceed(caller, other, verb) ?? ExpiryExceeds(caller, other, verb) ?? PartnersExceed(caller, other, verb);

    /// <summary>
    /// Null when the caller holds every scope of <paramref name="other"/> and is limited to no fewer
    /// partners; expiry is not compared (acting on what the other token did, not minting it).
    /// </summary>
    public static string? DoesNotCover(ClaimsPrincipal caller, Grant other, string verb) =>
        ScopesExceed(caller, other, verb) ?? PartnersExceed(caller, other, verb);

    static string? ScopesExceed(ClaimsPrincipal caller, Grant other, string verb)
    {
        var held = caller.FindAll(ApiScopes.ClaimType).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var extra = other.Scopes.Where(s => !held.Contains(s)).Distinct().ToList();
        return extra.Count == 0 ? null
            : $"A token can {verb} only within scopes it holds itself; this one lacks {string.Join(", ", extra)} (it holds {string.Join(", ", held.Order())}).";
    }

    static string? ExpiryExceeds(ClaimsPrincipal caller, Grant other, string verb)
    {
        if (caller.FindFirst(ApiScopes.ExpiresClaim)?.Value is not { } expiresText)
            return null;
        var callerExpires = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(expiresText, CultureInfo.InvariantCulture));
        if (other.ExpiresAt is not { } expires)
            return $"This token expires at {Iso(callerExpires)}, so it cannot {verb} a token without expiry.";
        return expires.ToUnixTimeMilliseconds() > callerExpires.ToUnixTimeMilliseconds() // both as stored: to the millisecond
            ? $"A token can {verb} only tokens expiring no later than itself: expiresAt {Iso(expires)} is later than this token's own expiry, {Iso(callerExpires)}."
            : null;
    }

    static string? PartnersExceed(ClaimsPrincipal caller, Grant other, string verb)
    {
        var limitedTo = caller.FindAll(ApiScopes.PartnerClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        if (limitedTo.Count == 0 || !other.Scopes.Contains(ApiScopes.SecretsRotate))
            return null;
        if (other.Partners.Count == 0)
            return $"This token rotates secrets only of {string.Join(", ", limitedTo.Order())}, so it cannot {verb} secrets:rotate for every partner.";
        var extra = other.Partners.Where(p => !limitedTo.Contains(p)).Distinct().ToList();
        return extra.Count == 0 ? null
            : $"This token rotates secrets only of {string.Join(", ", limitedTo.Order())}; it cannot {verb} for partners {string.Join(", ", extra)}.";
    }

    static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
