using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Readiness;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Schema;

/// <summary>
/// Creates the schema and, on the first start, the bootstrap admin token, with the database as it
/// is: reachable now, or later. A start never waits for the database nor fails for it: the process
/// listens, /healthz answers, /readyz is 503 naming the database, every other request is 503 naming
/// it (<see cref="Outages.OutageMiddleware"/>), and the check is retried with backoff
/// (<see cref="FirstBackoff"/> doubling up to <see cref="DatabaseOptions.MaxRetryBackoff"/>) until it passes. Registered
/// first among the hosted services and waiting up to <see cref="DatabaseOptions.StartWait"/> for its first
/// attempt, so with a reachable database the others start with the schema in place, as they always did.
/// </summary>
public sealed class DatabaseStartup(IDatabase database, BootstrapToken bootstrap, ServiceReadiness readiness, IOptions<DatabaseOptions> options, ILogger<DatabaseStartup> logger)
    : BackgroundService
{
    /// <summary>The readiness condition reported until the schema is checked.</summary>
    public const string Condition = "database schema";

    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);

    readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the schema is in place; never faults.</summary>
    public Task Ready => ready.Task;

    public bool IsReady => ready.Task.IsCompleted;

    /// <summary>Why the schema is not checked yet, naming the provider; null once it is.</summary>
    public string? Problem { get; private set; } = "the schema has not been checked yet.";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.Report(Condition, Problem!);
        await base.StartAsync(cancellationToken);
        await Task.WhenAny(ready.Task, Task.Delay(options.Value.StartWait, cancellationToken));
    }

    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var maxBackoff = options.Value.MaxRetryBackoff;
        var backoff = FirstBackoff < maxBackoff ? FirstBackoff : maxBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DatabaseSchema.EnsureAsync(database, cancellationToken);
                await bootstrap.EnsureAsync(cancellationToken);
                Problem = null;
                readiness.Clear(Condition);
                ready.TrySetResult();
                if (attempt > 1)
                    logger.LogWarning("The database ({Provider}) answers again: schema checked at attempt {Attempt}; the service is ready", database.Provider, attempt);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            // Anything at all: whatever keeps the schema check from passing is reported by /readyz and
            // retried; it never ends the process (a crash loop is what this replaces).
            catch (Exception e)
            {
                Problem = $"{database.Provider}: {e.Message}";
                readiness.Report(Condition, $"the schema could not be checked ({Problem}); retrying every {maxBackoff.TotalSeconds:0.###} s at most.");
                // One line, no stack trace: an outage is not a bug. Later attempts only at debug level.
                if (attempt == 1)
                    logger.LogWarning("Started without the database ({Problem}); /readyz answers 503 and the schema check is retried until it passes", Problem);
                else
                    logger.LogDebug("The schema check failed again (attempt {Attempt}): {Problem}", attempt, Problem);
            }
            try
            {
                await Task.Delay(backoff, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
        }
    }
}
