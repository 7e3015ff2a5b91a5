using System.Threading.Channels;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// The one writer of the store, as a queue loop: every change goes through its queue, and changes
/// that arrive together are handed to the <see cref="BatchProcessor"/> as one batch, so they are
/// planned against the same state and sent as few UpdateKeys calls as the 50-key limit allows.
/// Before serving, it reads the store and gives it the contract's default <c>cfg</c>.
/// </summary>
public sealed class StoreWriter(
    StoreApplier applier,
    BatchProcessor processor,
    MirrorRepository mirror,
    RetryPolicy policy,
    DatabaseStartup database,
    TimeProvider time,
    IOptions<WriterOptions> options,
    IChangeChecks checks,
    ILogger<StoreWriter> logger) : BackgroundService
{
    const int MaxMutationsPerBatch = 500;

    readonly Channel<PendingChange> queue = Channel.CreateUnbounded<PendingChange>(new() { SingleReader = true });
    readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    volatile Exception? startProblem;

    /// <summary>The last state the writer saw; reads of rules are served from it (the store is the truth, this is its mirror).</summary>
    public async Task<StoreState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        await WaitStartedAsync(cancellationToken);
        // Instances sharing a PostgreSQL database share the snapshot: pick up what another one wrote.
        if (mirror.IsShared && await mirror.ReadETagAsync(cancellationToken) != applier.State.ETag)
            await EnqueueAsync(PendingChange.Sync(), cancellationToken);
        return applier.State;
    }

    public bool IsStarted => started.Task.IsCompletedSuccessfully;

    /// <summary>
    /// Queues a change and waits for its answer. Every change is checked against the expectations
    /// first (<see cref="IChangeChecks"/>): one that would flip any is refused with
    /// <see cref="ExpectationsFlippedException"/> unless the actor forces it.
    /// </summary>
    public async Task<WriteOutcome> SubmitAsync(Actor actor, MutationPlan plan, CancellationToken cancellationToken = default) =>
        await SubmitAsync(actor, plan, await checks.PrepareAsync(actor, cancellationToken), cancellationToken);

    /// <summary>With a check of the caller's own (desired-state apply checks against the expectations its document declares).</summary>
    public async Task<WriteOutcome> SubmitAsync(Actor actor, MutationPlan plan, ChangeCheck? check, CancellationToken cancellationToken = default) =>
        await EnqueueAsync(new(actor, plan, syncFirst: false, check), cancellationToken);

    /// <summary>Re-reads the store and records any change made outside this service (the status endpoint's drift check); true if there was one.</summary>
    public async Task<bool> CheckDriftAsync(CancellationToken cancellationToken = default)
    {
        var pending = PendingChange.Sync();
        await EnqueueAsync(pending, cancellationToken);
        return pending.DriftFound;
    }

    /// <summary>Waits a bounded time for the first read of the store; a database or store still down by then is a 503 naming it, not a hung request.</summary>
    async Task WaitStartedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await started.Task.WaitAsync(options.Value.StartWait, time, cancellationToken);
        }
        catch (TimeoutException) when (!database.IsReady)
        {
            throw new Outages.DependencyUnavailableException(Outages.DependencyUnavailableException.Database,
                $"The database schema has not been checked since the service started ({database.Problem}).");
        }
        catch (TimeoutException)
        {
            var problem = startProblem;
            throw new Outages.DependencyUnavailableException(problem is DbException ? Outages.DependencyUnavailableException.Database : Outages.DependencyUnavailableException.Store,
                $"The service has not been able to read the store and its mirror since it started ({problem?.Message ?? "still starting"}).", problem);
        }
    }

    async Task<WriteOutcome> EnqueueAsync(PendingChange pending, CancellationToken cancellationToken)
    {
        await WaitStartedAsync(cancellationToken);
        await queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Completion.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The mirror and the audit trail are tables: none before the schema is.
        await database.Ready.WaitAsync(stoppingToken);
        await policy.RetryAsync(async () =>
        {
            try
            {
                await applier.SyncAsync(stoppingToken);
                // Without cfg the function denies everything: give it the contract's defaults before serving.
                await processor.ProcessAsync([new(new("system", null, null), items => items.ContainsKey(KvsLayout.ConfigKey)
                    ? []
                    : [new KeyWrite(KvsLayout.ConfigKey, KvsLayout.DefaultConfig, AuditActions.SettingsInitialize, KvsLayout.ConfigKey)], syncFirst: false)], stoppingToken);
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e))
            {
                startProblem = e;
                throw;
            }
        }, maxAttempts: null, "read the store and the database to start", stoppingToken);
        started.TrySetResult();
        startProblem = null;
        while (await queue.Reader.WaitToReadAsync(stoppingToken))
        {
            var batch = new List<PendingChange>();
            while (batch.Count < MaxMutationsPerBatch && queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            try
            {
                await processor.ProcessAsync(batch, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "A write batch failed");
                foreach (var pending in batch)
                    pending.Completion.TrySetException(e);
            }
        }
    }
}
