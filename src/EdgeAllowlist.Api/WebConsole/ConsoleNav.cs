namespace EdgeAllowlist.Api.WebConsole;

/// <summary>The console's navigation, one entry per page; a new page adds its entry here.</summary>
public static class ConsoleNav
{
    public sealed record Item(string Path, string Label, string? Scope);

    public static readonly IReadOnlyList<Item> Items =
    [
        new("/console", "Overview", null),
        new("/console/origins", "Origins", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/user-agents", "User-Agent rules", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/partners", "Partners & secrets", Infrastructure.Auth.ApiScopes.SecretsAdmin),
        new("/console/settings", "Settings", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/tokens", "Tokens", Infrastructure.Auth.ApiScopes.TokensAdmin),
        new("/console/simulate", "Simulate", Infrastructure.Auth.ApiScopes.RulesRead),
        new("/console/audit", "Audit", Infrastructure.Auth.ApiScopes.AuditRead),
    ];
}
