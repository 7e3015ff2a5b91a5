namespace EdgeAllowlist.Api.Tests.Fixtures;

/// <summary>The system clock plus an offset that only grows; timers stay real, so background loops keep running.</summary>
public sealed class TestClock : TimeProvider
{
    long offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
}
