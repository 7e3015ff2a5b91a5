namespace EdgeAllowlist.Api.Infrastructure.Idempotency;

/// <summary>Idempotency records answer retries for 24 hours, then go; a retry after that runs as a new request.</summary>
public sealed class IdempotencyCleanup(IDatabase database, TimeProvider time, ILogger<IdempotencyCleanup> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync("DELETE FROM idempotency_records WHERE created_at < @cutoff", null, ct, ("cutoff", (now - Retention).ToUnixTimeMilliseconds()));
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
