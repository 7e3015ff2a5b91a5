using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Infrastructure.Admin;

/// <summary>
/// <c>EdgeAllowlist.Api admin reset-token</c>: recovery when every admin token is lost. It needs what
/// the service itself needs (the data folder, or the PostgreSQL connection string from the same
/// configuration), so only someone with local access to the service's data can run it. It revokes
/// every admin token, prints a new one on standard output, audits both as <c>local-admin</c>, and exits
/// without starting the web server. Logs go to standard error, so <c>T=$(… admin reset-token)</c> works.
/// </summary>
public sealed class AdminCommand
{
    public const string Actor = "local-admin";
    public const string TokenName = "reset-admin";
    const string Usage = "usage: EdgeAllowlist.Api admin reset-token|accept-store-rollback (--reapply|--accept-loss) [--DataDirectory=DIR] [--Database:ConnectionString=...]";
    const string Reapply = "--reapply";
    const string AcceptLoss = "--accept-loss";

    AdminCommand(string? verb, string[] hostArgs)
    {
        Verb = verb;
        Flags = [.. hostArgs.Where(a => a is Reapply or AcceptLoss)];
        HostArgs = [.. hostArgs.Where(a => a is not (Reapply or AcceptLoss))];
    }

    string? Verb { get; }

    IReadOnlyList<string> Flags { get; }

    /// <summary>The configuration arguments left after the command words, for the host builder.</summary>
    public string[] HostArgs { get; }

    /// <summary>The command when <paramref name="args"/> start with <c>admin</c>; null when the service should run.</summary>
    public static AdminCommand? Parse(string[] args) => args switch
    {
        ["admin", var verb, .. var hostArgs] when !verb.StartsWith('-') => new(verb, hostArgs),
        ["admin", .. var hostArgs] => new(null, hostArgs),
        _ => null,
    };

    /// <summary>Runs the command; the exit code is 0 on success, 1 for a bad command line, 2 when the database refused.</summary>
    public async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        if (Verb == StoreRollback.Command)
            return await AcceptStoreRollbackAsync(services, cancellationToken);
        if (Verb != "reset-token")
        {
            await Console.Error.WriteLineAsync(Verb is null ? Usage : $"unknown admin command '{Verb}'. {Usage}");
            return 1;
        }
        try
        {
            await DatabaseSchema.EnsureAsync(services.GetRequiredService<IDatabase>());
            var token = ApiTokenStore.NewToken();
            var actor = new Actor(Actor, null, $"{Environment.UserName}@{Environment.MachineName}");
            var (created, revoked) = await services.GetRequiredService<ApiTokenStore>().ResetAdminAsync(token, TokenName, actor, cancellationToken);
            await Console.Error.WriteLineAsync($"Revoked {revoked.Count} admin token(s); new admin token {created.Id} (every scope), shown once on standard output:");
            await Console.Out.WriteLineAsync(token);
            return 0;
        }
        catch (DbException e)
        {
            // One line naming what failed; the connection string (which may hold a password) is not printed.
            await Console.Error.WriteLineAsync($"admin reset-token: the database refused: {e.Message}");
            return 2;
        }
    }

    /// <summary>
    /// <c>admin accept-store-rollback --reapply|--accept-loss</c> (<see cref="RollbackAcceptance"/>):
    /// exit 0 when done, 1 for a bad command line, 2 when the database or the store refused (an
    /// embedded store is open in a running service: stop it first).
    /// </summary>
    async Task<int> AcceptStoreRollbackAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (Flags.Distinct().Count() != 1)
        {
            await Console.Error.WriteLineAsync($"admin {StoreRollback.Command}: give exactly one of {Reapply} or {AcceptLoss}. {Usage}");
            return 1;
        }
        var reapply = Flags[0] == Reapply;
        try
        {
            await DatabaseSchema.EnsureAsync(services.GetRequiredService<IDatabase>());
            var actor = new Actor(Actor, null, $"{Environment.UserName}@{Environment.MachineName}");
            var (keys, etag) = await services.GetRequiredService<RollbackAcceptance>().RunAsync(reapply, actor, cancellationToken);
            await Console.Error.WriteLineAsync(reapply
                ? $"Wrote {keys.Count} acknowledged key(s) back to the store (audited as {AuditActions.RollbackReapply}); the store is at ETag {etag} and the service will serve it."
                : $"Accepted the loss of {keys.Count} acknowledged key change(s) (audited as {AuditActions.RollbackAccept}); the store is at ETag {etag} and the service will serve it.");
            return 0;
        }
        catch (Exception e) when (e is DbException or KvsException or IOException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"admin {StoreRollback.Command}: {e.Message}");
            return 2;
        }
    }
}
