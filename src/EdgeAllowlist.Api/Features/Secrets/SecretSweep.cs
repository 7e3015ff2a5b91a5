using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Features.Secrets;

public sealed class SecretSweepOptions
{
    /// <summary>How often expired secrets are removed from the store.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Deletes secret keys whose <c>exp</c> has passed (the function already refuses them; this keeps the
/// store small and the set of live hashes honest), as actor <c>system</c>, audited as <c>secret.sweep</c>.
/// </summary>
sealed class SecretSweep(StoreWriter writer, TimeProvider time, IOptions<SecretSweepOptions> options, ILogger<SecretSweep> logger) : BackgroundService
{
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var outcome = await writer.SubmitAsync(new("system", null, null), state =>
        [
            .. state.Where(i => i.Key.StartsWith(KvsLayout.SecretPrefix, StringComparison.Ordinal) && KvsLayout.ReadExpiry(i.Value) <= now)
                .Select(i => new KeyWrite(i.Key, null, "secret.sweep", SweepTarget(i.Value, i.Key))),
        ], ct);
        return outcome.Entries.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = await SweepAsync(stoppingToken);
                if (removed > 0)
                    logger.LogInformation("Removed {Count} expired secrets from the store", removed);
            }
            catch (Exception e) when (e is MutationRejectedException or KvsException or DbException)
            {
                logger.LogWarning(e, "The secret sweep failed; it runs again at the next interval");
            }
        }
    }

    static string SweepTarget(string value, string key)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(value);
        return node?["p"] is { } p && node["id"] is { } id ? $"{p}/{id}" : key;
    }
}
