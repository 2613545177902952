using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

/// <summary>
/// A fake clock whose wall-clock time can be stepped (an NTP correction, a VM resumed, <c>date -s</c>) while its
/// monotonic timestamp goes on as before: <see cref="FakeTimeProvider.Advance(TimeSpan)"/> moves both, <see cref="Jump"/>
/// only the wall clock.
/// </summary>
internal sealed class JumpingWallClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private TimeSpan _offset;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Steps the wall clock by <paramref name="by"/> (back when negative); elapsed time does not change.</summary>
    public void Jump(TimeSpan by) => _offset += by;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _offset;

    public override long GetTimestamp() => base.GetUtcNow().UtcTicks;
}
