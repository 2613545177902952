using System.Collections.Concurrent;

namespace BlueGreen.Orleans.Harness.Load;

/// <summary>
/// The counts of a load run, written by every client and read live (the demo prints them each second). A request is
/// counted as sent before its outcome, and <see cref="Snapshot"/> reads the outcomes before the sent count, so a
/// snapshot never shows more answers than requests, however the reads interleave with the clients.
/// </summary>
public sealed class LoadCounters
{
    private readonly ConcurrentDictionary<string, long> _byColour = new(StringComparer.Ordinal);
    private long _sent;
    private long _failed;

    /// <summary>Requests completed so far (sent = succeeded + failed once every client has stopped).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>A request answered with 200 by <paramref name="colour"/>.</summary>
    public void Answered(string colour)
    {
        Interlocked.Increment(ref _sent);
        _byColour.AddOrUpdate(colour, 1, (_, n) => n + 1);
    }

    /// <summary>A request that did not end in 200.</summary>
    public void Failure()
    {
        Interlocked.Increment(ref _sent);
        Interlocked.Increment(ref _failed);
    }

    /// <summary>The counts at one moment: outcomes first, then the sent count, which already holds each of them.</summary>
    public LoadCounts Snapshot()
    {
        var byColour = new Dictionary<string, long>(_byColour, StringComparer.Ordinal);
        var failed = Failed;
        return new LoadCounts(Sent, failed, byColour);
    }
}
