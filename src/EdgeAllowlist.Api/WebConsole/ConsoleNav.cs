namespace EdgeAllowlist.Api.WebConsole;

/// <summary>The console's navigation, one entry per page; a new page adds its entry here.</summary>
public static class ConsoleNav
{
    /// <summary>A page, shown to tokens holding any of <paramref name="Scopes"/> (none: every token).</summary>
    public sealed record Item(string Path, string Label, params string[] Scopes);

    public static readonly IReadOnlyList<Item> Items =
    [
        new("/console", "Overview"),
        new("/console/origins", "Origins", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/user-agents", "User-Agent rules", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/partners", "Partners & secrets", Infrastructure.Auth.ApiScopes.SecretsAdmin, Infrastructure.Auth.ApiScopes.SecretsRotate),
        new("/console/settings", "Settings", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/tokens", "Tokens", Infrastructure.Auth.ApiScopes.TokensAdmin),
        new("/console/simulate", "Simulate", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/expectations", "Expectations", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/rollout", "Rollout", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/audit", "Audit", Infrastructure.Auth.ApiScopes.AuditRead),
    ];
}
