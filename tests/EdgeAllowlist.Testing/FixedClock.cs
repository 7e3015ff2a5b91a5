namespace EdgeAllowlist.Testing;

/// <summary>A clock that always reads the same instant (timers still run on real time).</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
