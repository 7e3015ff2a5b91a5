namespace EdgeAllowlist.Store.Tests;

/// <summary>A clock that always reads the same instant (timers still run on real time).</summary>
sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
