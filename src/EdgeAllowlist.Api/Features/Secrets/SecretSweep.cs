using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Idempotency;
using EdgeAllowlist.Api.Infrastructure.Writer;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Features.Secrets;

/// <summary>
/// Deletes expired secrets from the store every <see cref="SecretOptions.SweepInterval"/>. The
/// function already refuses them from their <c>exp</c> on; the sweep keeps the store small and
/// makes the end of a grace period visible in the audit trail (actor <see cref="ActorName"/>). It
/// also deletes a secret whose issuing request died after storing it and was not retried within
/// the idempotency window: nobody was ever shown it, and nobody can be any more.
/// </summary>
sealed class SecretSweep(PartnerSecrets secrets, StoreWriter writer, IdempotencyCleanup idempotency, TimeProvider time, IOptions<SecretOptions> options, ILogger<SecretSweep> logger) : BackgroundService
{
    public const string ActorName = "secret-sweep";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The secret sweep failed; the next one retries");
            }
        }
    }

    /// <summary>Deletes every secret expired by now, and every one abandoned by its issuing request; returns how many went.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var abandoned = (await idempotency.AbandonedAsync(now, ct)).ToHashSet(StringComparer.Ordinal);
        var state = await writer.GetStateAsync(ct);
        bool Ends(StoredSecret s) => s.IsExpiredAt(now) || abandoned.Contains(s.Target);
        if (!StoredSecret.All(state.Items).Any(Ends))
        {
            // Abandoned before its store write landed: nothing to delete, only the key to retire.
            await idempotency.RetireAsync(abandoned, ct);
            return 0;
        }
        // Forced: an expired secret passes nothing already, and an abandoned one was never handed to
        // anyone, so no partner can hold it; a built-in partner expectation it "flips" is recorded in the audit.
        var outcome = await secrets.EndAsync(new(ActorName, null, null, Force: true), AuditActions.SecretSweep, items => StoredSecret.All(items).Where(Ends), ct);
        await idempotency.RetireAsync(abandoned, ct);
        if (outcome.Entries.Count > 0)
            logger.LogInformation("Deleted {Count} expired or abandoned partner secrets", outcome.Entries.Count);
        return outcome.Entries.Count;
    }
}
