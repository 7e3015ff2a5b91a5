using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// The write path's one retry policy: which failures are worth another attempt (the store or the
/// database unreachable, not a wrong statement), how many attempts each step gets
/// (<see cref="WriterOptions"/>) and the one backoff between them.
/// </summary>
public sealed class RetryPolicy(IOptions<WriterOptions> options, TimeProvider time, ILogger<RetryPolicy> logger)
{
    public WriterOptions Limits => options.Value;

    /// <summary>The store, the database or a disk failing, as opposed to a bug or a refusal.</summary>
    public static bool IsTransient(Exception e) => e is KvsException or DbException or IOException;

    /// <summary>200 ms, 400 ms, 800 ms, then 1.6 s and at most 2 s between attempts.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 100 << Math.Clamp(attempt, 1, 5)));

    /// <summary>
    /// How many more times a conflict of keyed changes may be retried than <see cref="WriterOptions.MaxConflictRetries"/>:
    /// catching up costs one Describe and a GetKey per key, not a listing, and against a store that another
    /// writer edits every few tens of milliseconds (another instance, a script) a busy machine loses that race several times in a row.
    /// </summary>
    public const int KeyedConflictFactor = 4;

    /// <summary>
    /// Whether a batch that met its <paramref name="conflicts"/>-th conflict (or unanswered write) is planned again;
    /// <paramref name="keyed"/>: a definite conflict the writer catches up by key (<see cref="KeyedConflictFactor"/> times as many).
    /// </summary>
    public bool MayReplan(int conflicts, bool keyed = false) => conflicts <= Limits.MaxConflictRetries * (keyed ? KeyedConflictFactor : 1);

    /// <summary>
    /// Runs <paramref name="work"/> until it succeeds, waiting <see cref="Backoff"/> after each
    /// transient failure; after <paramref name="maxAttempts"/> (null: no limit) the last failure is thrown.
    /// </summary>
    public async Task RetryAsync(Func<Task> work, int? maxAttempts, string what, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (Exception e) when (IsTransient(e) && (maxAttempts is null || attempt < maxAttempts))
            {
                logger.LogWarning(e, "Could not {What} (attempt {Attempt}); retrying", what, attempt);
                await Task.Delay(Backoff(attempt), time, cancellationToken);
            }
        }
    }
}
