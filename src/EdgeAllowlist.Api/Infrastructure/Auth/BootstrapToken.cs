using EdgeAllowlist.Api.Infrastructure.Audit;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// On the first start (no token in the database) creates an admin token with every scope: the one
/// from configuration if set, else a new one printed once to standard error. The JSON log lines go to
/// standard output, so the token is never in the log stream a collector ships; it is not kept anywhere
/// else. Lost it? <c>admin reset-token</c> (<see cref="Admin.AdminCommand"/>) issues a new one.
/// </summary>
public sealed class BootstrapToken(ApiTokenStore tokens, IOptions<AuthOptions> options, ILogger<BootstrapToken> logger)
{
    public const string Name = "bootstrap-admin";

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (await tokens.AnyAsync(cancellationToken))
            return;
        // Its shape was checked with every other setting at start (AuthOptions.Problems).
        var configured = options.Value.BootstrapToken;
        var token = configured ?? ApiTokenStore.NewToken();
        await tokens.CreateAsync(token, Name, ApiScopes.All, [], null, new("system", null, null), AuditActions.TokenBootstrap, cancellationToken);
        if (configured is not null)
        {
            logger.LogInformation("Created the bootstrap admin token from configuration");
            return;
        }
        logger.LogWarning("Created a bootstrap admin token; it is printed once on standard error. Lost it? Run: admin reset-token");
        Console.Error.WriteLine($"""
            ==================== EDGE ALLOWLIST BOOTSTRAP ADMIN TOKEN (shown once) ====================
            {token}
            ================ lost it? dotnet EdgeAllowlist.Api.dll admin reset-token =================
            """);
    }
}
