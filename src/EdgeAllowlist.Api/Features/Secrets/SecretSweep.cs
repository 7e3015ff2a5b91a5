using EdgeAllowlist.Api.Infrastructure.Writer;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Features.Secrets;

/// <summary>
/// Deletes expired secrets from the store every <see cref="SecretOptions.SweepInterval"/>. The
/// function already refuses them from their <c>exp</c> on; the sweep keeps the store small and
/// makes the end of a grace period visible in the audit trail (actor <see cref="ActorName"/>).
/// </summary>
sealed class SecretSweep(StoreWriter writer, TimeProvider time, IOptions<SecretOptions> options, ILogger<SecretSweep> logger) : BackgroundService
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

    /// <summary>Deletes every secret expired by now; returns how many went.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var state = await writer.GetStateAsync(ct);
        if (!StoredSecret.All(state.Items).Any(s => s.IsExpiredAt(now)))
            return 0;
        var outcome = await writer.SubmitAsync(new(ActorName, null, null),
            items => [.. StoredSecret.All(items).Where(s => s.IsExpiredAt(now)).Select(s => new KeyWrite(s.Key, null, "secret.sweep", s.Target))], ct);
        if (outcome.Entries.Count > 0)
            logger.LogInformation("Deleted {Count} expired partner secrets", outcome.Entries.Count);
        return outcome.Entries.Count;
    }
}
