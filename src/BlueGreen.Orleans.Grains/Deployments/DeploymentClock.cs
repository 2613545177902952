namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// Elapsed time since the wall-clock instants a deployment record keeps (a step's start, the switch, the creation),
/// judged on the monotonic clock. The record's instants stay wall-clock: people read them, and a new process (whose
/// monotonic clock has another origin) resumes from them. But a step of the wall clock (an NTP correction, a VM resumed,
/// <c>date -s</c>) must neither time out every running step at once nor keep one from ever timing out: so each instant
/// is anchored once per process, when it is stamped here or first read after a resume, and from then on only the
/// monotonic clock counts. One per service activation; an engine without one keeps its own.
/// </summary>
public sealed class DeploymentClock(TimeProvider time)
{
    // Anchors of one deployment at a time (a service runs one); bounded for a deployment that loops between steps.
    private const int MaxAnchors = 64;
    private readonly Dictionary<DateTimeOffset, (long Timestamp, TimeSpan Elapsed)> _anchors = [];
    private long _deployment = -1;

    /// <summary>Stamps an instant of <paramref name="deployment"/> now: the wall-clock value to store, anchored here.</summary>
    public DateTimeOffset Stamp(long deployment)
    {
        var now = time.GetUtcNow();
        Anchor(deployment, now, TimeSpan.Zero);
        return now;
    }

    /// <summary>
    /// Time since <paramref name="at"/>, an instant of <paramref name="deployment"/>. Counted on the monotonic clock
    /// since this process first saw it; before that, the wall clock's word (all a resumed deployment has), never less
    /// than zero and never more than <paramref name="max"/>: a wall clock set back across a crash cannot stretch a step
    /// beyond its budget.
    /// </summary>
    public TimeSpan Since(long deployment, DateTimeOffset at, TimeSpan? max = null)
    {
        if (deployment == _deployment && _anchors.TryGetValue(at, out var anchor))
        {
            return anchor.Elapsed + time.GetElapsedTime(anchor.Timestamp);
        }

        var elapsed = time.GetUtcNow() - at;
        elapsed = elapsed < TimeSpan.Zero ? TimeSpan.Zero : max is { } limit && elapsed > limit ? limit : elapsed;
        Anchor(deployment, at, elapsed);
        return elapsed;
    }

    private void Anchor(long deployment, DateTimeOffset at, TimeSpan elapsed)
    {
        if (deployment != _deployment || _anchors.Count >= MaxAnchors)
        {
            // Dropped anchors are taken again from the wall clock, as after a resume.
            _anchors.Clear();
            _deployment = deployment;
        }

        _anchors[at] = (time.GetTimestamp(), elapsed);
    }
}
