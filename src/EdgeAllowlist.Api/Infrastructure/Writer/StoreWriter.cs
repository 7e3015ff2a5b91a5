using System.Threading.Channels;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Rules.Layout;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// The one writer of the store, as a queue loop: every change goes through its queue, and changes
/// that arrive together are handed to the <see cref="BatchProcessor"/> as one batch, so they are
/// planned against the same state and sent as few UpdateKeys calls as the 50-key limit allows.
/// Before serving, it reads the store and gives it the contract's default <c>cfg</c>.
/// </summary>
public sealed class StoreWriter(
    IKeyValueStore store,
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
        ThrowIfRolledBack();
        // Instances sharing a PostgreSQL database share the snapshot: pick up what another one wrote.
        if (mirror.IsShared && await mirror.ReadETagAsync(cancellationToken) != applier.State.ETag)
            await EnqueueAsync(PendingChange.FollowMirror(), cancellationToken);
        return applier.State;
    }

    public bool IsStarted => started.Task.IsCompletedSuccessfully;

    /// <summary>Set while the store is older than what the database acknowledged (at start or found since); readiness names it.</summary>
    public StoreRolledBackException? Rollback => applier.Rollback ?? startProblem as StoreRolledBackException;

    /// <summary>Mirror rows last found edited in the database (failed seal), for status.</summary>
    public MirrorTamper? Tamper => applier.Tamper;

    /// <summary>
    /// Queues a change and waits for its answer. Every change is checked against the expectations
    /// first (<see cref="IChangeChecks"/>): one that would flip any is refused with
    /// <see cref="ExpectationsFlippedException"/> unless the actor forces it.
    /// </summary>
    public async Task<WriteOutcome> SubmitAsync(Actor actor, MutationPlan plan, CancellationToken cancellationToken = default) =>
        await SubmitCoreAsync(actor, plan, null, await checks.PrepareAsync(actor, cancellationToken), cancellationToken);

    /// <summary>With a check of the caller's own (desired-state apply checks against the expectations its document declares).</summary>
    public Task<WriteOutcome> SubmitAsync(Actor actor, MutationPlan plan, ChangeCheck? check, CancellationToken cancellationToken = default) =>
        SubmitCoreAsync(actor, plan, null, check, cancellationToken);

    /// <summary>
    /// A change whose plan reads no key but <paramref name="keys"/>: after an external edit it is
    /// planned from those keys read afresh (one GetKey each), not from a listing of the whole store.
    /// </summary>
    public async Task<WriteOutcome> SubmitKeyedAsync(Actor actor, IReadOnlyCollection<string> keys, MutationPlan plan, CancellationToken cancellationToken = default) =>
        await SubmitCoreAsync(actor, plan, keys, await checks.PrepareAsync(actor, cancellationToken), cancellationToken);

    async Task<WriteOutcome> SubmitCoreAsync(Actor actor, MutationPlan plan, IReadOnlyCollection<string>? keys, ChangeCheck? check, CancellationToken cancellationToken)
    {
        await WaitStartedAsync(cancellationToken);
        // Planned against the acknowledged state, a write would overwrite the rollback's evidence; restoring or accepting comes first.
        ThrowIfRolledBack();
        return await EnqueueAsync(new(actor, plan, syncFirst: false, keys, check), cancellationToken);
    }

    void ThrowIfRolledBack()
    {
        if (applier.Rollback is { } rolledBack)
            throw rolledBack;
    }

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
        if (!IsStarted && startProblem is StoreRolledBackException refused)
            throw refused;
        try
        {
            await started.Task.WaitAsync(options.Value.StartWait, time, cancellationToken);
        }
        catch (TimeoutException) when (startProblem is StoreRolledBackException rolledBack)
        {
            throw rolledBack;
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
        while (true)
        {
            try
            {
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
                break;
            }
            catch (StoreRolledBackException e)
            {
                // Not served until the store is restored (checked again here) or the rollback accepted (admin accept-store-rollback).
                startProblem = e;
                await Task.Delay(options.Value.StorePollInterval, time, stoppingToken);
            }
        }
        started.TrySetResult();
        startProblem = null;
        _ = Task.Run(() => FollowStoreAsync(stoppingToken), CancellationToken.None);
        while (await queue.Reader.WaitToReadAsync(stoppingToken))
        {
            var batch = new List<PendingChange>();
            while (batch.Count < MaxMutationsPerBatch && queue.Reader.TryRead(out var pending))
            {
                if (pending.Listing is null)
                    batch.Add(pending);
                else
                    await ReconcileListingAsync(pending, stoppingToken);
            }
            if (batch.Count == 0)
                continue;
            try
            {
                await processor.ProcessAsync(batch, stoppingToken);
            }
            catch (StoreRolledBackException)
            {
                // Each change of the batch was answered with it; readiness names it until it is resolved.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "A write batch failed");
                foreach (var pending in batch)
                    pending.Completion.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// Reconciles a background listing; when only a full re-read will do (see <see cref="StoreApplier.ReconcileListingAsync"/>),
    /// runs that instead. Its failure only postpones the next round: no request waits on it.
    /// </summary>
    async Task ReconcileListingAsync(PendingChange pending, CancellationToken stoppingToken)
    {
        try
        {
            if (!await applier.ReconcileListingAsync(pending.Listing!, stoppingToken))
                pending.DriftFound = (await applier.SyncAsync(stoppingToken)).DriftFound;
            pending.Complete(applier.State);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            pending.Completion.TrySetException(e);
        }
    }

    /// <summary>
    /// Reads follow the store: every <see cref="WriterOptions.StorePollInterval"/> one DescribeKeyValueStore
    /// (no listing) compares the store's ETag with the state reads are served from; when another
    /// writer (the console, a script, another instance) moved it, or while a rollback is pending, a
    /// re-read follows, so reads serve the new state within the interval plus one re-read. That re-read
    /// lists the store once, here, outside the writer's queue and the store lock, so writes go on while
    /// it runs; only its reconcile is queued. With the queue holding it, an add waited for up to
    /// <see cref="WriterOptions.MaxListings"/> listings of a store that kept moving (242 s at 50,000 keys).
    /// </summary>
    async Task FollowStoreAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.StorePollInterval, time, stoppingToken);
                // A pending rollback is cleared only by a full re-read (the store restored or the rollback accepted).
                if (applier.Rollback is not null)
                {
                    await EnqueueAsync(PendingChange.Sync(), stoppingToken);
                    continue;
                }
                var etag = (await store.DescribeAsync(stoppingToken)).ETag;
                if (applier.State.Fresh is null && etag == applier.State.ETag)
                    continue;
                // Another instance wrote the store and saved it in the shared mirror: loading the mirror (its seal checked) needs no listing.
                if (applier.State.Fresh is null && mirror.IsShared && await mirror.ReadETagAsync(stoppingToken) == etag)
                {
                    await EnqueueAsync(PendingChange.Sync(), stoppingToken);
                    continue;
                }
                // A state partly checked since a conflict, or a store moved by someone else, is owed a full re-read:
                // one listing per interval, taken outside the writer's queue.
                await EnqueueAsync(PendingChange.Reconcile(await applier.ListAsync(stoppingToken)), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // An outage or a rollback is answered where it matters (readiness, requests); here it only postpones the next look.
                logger.LogDebug(e, "Could not compare the store's ETag with the served state");
            }
        }
    }
}
