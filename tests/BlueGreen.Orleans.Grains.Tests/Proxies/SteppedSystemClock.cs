namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// The system clock with a wall-clock step the test sets (an NTP correction, <c>date -s</c>): timestamps and timers stay
/// real, so a silo runs on it as usual, and only <see cref="GetUtcNow"/> moves.
/// </summary>
internal sealed class SteppedSystemClock : TimeProvider
{
    private long _offsetTicks;

    /// <summary>Steps the wall clock by <paramref name="by"/> (back when negative).</summary>
    public void Jump(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
