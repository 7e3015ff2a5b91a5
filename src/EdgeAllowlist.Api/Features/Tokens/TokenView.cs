using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Tokens;

/// <summary>A token as lists and the audit trail show it: metadata and a fingerprint, never the token.</summary>
sealed record TokenView(
    string Id,
    string Name,
    string Fingerprint,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Partners,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    public static TokenView From(ApiToken token) => new(token.Id, token.Name, token.Fingerprint, token.Scopes, token.Partners,
        token.CreatedAt, token.CreatedBy, token.ExpiresAt, token.LastUsedAt, token.RevokedAt);
}
