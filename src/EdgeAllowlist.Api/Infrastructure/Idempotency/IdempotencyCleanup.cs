namespace EdgeAllowlist.Api.Infrastructure.Idempotency;

/// <summary>
/// The life of idempotency records after their request: they answer retries for 24 hours, then go,
/// and a retry after that runs as a new request. A record whose secret left the store (revoked,
/// swept) is retired first, so its key answers 409 instead of replaying a dead secret; one whose
/// attempt died after keeping a secret is held until the secret sweep has ended that secret.
/// </summary>
public sealed class IdempotencyCleanup(IDatabase database, TimeProvider time, ILogger<IdempotencyCleanup> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>Records that hold nothing still to end: answered, retired, or never kept a secret.</summary>
    public const string Forgettable = "(status IS NOT NULL OR resource IS NULL OR retired_at IS NOT NULL)";

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync($"DELETE FROM idempotent_requests WHERE created_at < @cutoff AND {Forgettable}",
            null, ct, ("cutoff", (now - Retention).ToUnixTimeMilliseconds()));
    }

    /// <summary>From now on the keys that issued <paramref name="resources"/> answer 409 rather than replay them.</summary>
    public async Task RetireAsync(IReadOnlyCollection<string> resources, CancellationToken ct)
    {
        if (resources.Count == 0)
            return;
        await using var connection = await database.OpenAsync(ct);
        var names = resources.Select((_, i) => $"@r{i}");
        await connection.ExecuteAsync($"UPDATE idempotent_requests SET retired_at = @now WHERE retired_at IS NULL AND resource IN ({string.Join(',', names)})",
            null, ct, [("now", time.GetUtcNow().ToUnixTimeMilliseconds()), .. resources.Select((r, i) => ($"r{i}", (object?)r))]);
    }

    /// <summary>
    /// What attempts that died after keeping a secret left behind, past the window in which a retry
    /// could still have fetched it: nobody can ever be shown those secrets, so they must go.
    /// </summary>
    public async Task<IReadOnlyList<string>> AbandonedAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QueryAsync(
            "SELECT resource FROM idempotent_requests WHERE status IS NULL AND resource IS NOT NULL AND retired_at IS NULL AND created_at < @cutoff AND lease_until < @now",
            r => r.GetString(0), null, ct, ("cutoff", (now - Retention).ToUnixTimeMilliseconds()), ("now", now.ToUnixTimeMilliseconds()));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await DeleteExpiredAsync(time.GetUtcNow(), stoppingToken);
            }
            catch (DbException e)
            {
                logger.LogWarning(e, "Could not delete expired idempotency records; trying again in an hour");
            }
        }
    }
}
