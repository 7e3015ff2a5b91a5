namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>What an API token may do. A token carries any subset; the bootstrap token carries all.</summary>
public static class ApiScopes
{
    public const string RulesRead = "rules:read";
    public const string RulesWrite = "rules:write";
    public const string SecretsRotate = "secrets:rotate";
    public const string SecretsAdmin = "secrets:admin";
    public const string AuditRead = "audit:read";
    public const string TokensAdmin = "tokens:admin";

    public static readonly IReadOnlyList<string> All = [RulesRead, RulesWrite, SecretsRotate, SecretsAdmin, AuditRead, TokensAdmin];

    /// <summary>The claim carrying one scope each; FastEndpoints' <c>Permissions(...)</c> checks it.</summary>
    public const string ClaimType = "permissions";

    public const string TokenIdClaim = "token_id";

    /// <summary>For <see cref="SecretsRotate"/>: the partners the token is limited to (none: all partners).</summary>
    public const string PartnerClaim = "partner";

    /// <summary>When the token expires (Unix milliseconds); absent for a token without expiry.</summary>
    public const string ExpiresClaim = "expires_at";
}
