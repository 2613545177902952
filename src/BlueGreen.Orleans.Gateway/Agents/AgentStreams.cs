using System.Collections.Concurrent;

namespace BlueGreen.Orleans.Gateway.Agents;

/// <summary>
/// The agent streams this gateway process holds, one per proxy: a new stream for a proxy cuts the one before it here at
/// once (a stream held by another gateway process learns it from the proxy grain at its next report), and re-issuing a
/// proxy's credential through this gateway cuts its stream here at once.
/// </summary>
public sealed class AgentStreams
{
    private readonly ConcurrentDictionary<string, (Guid Stream, CancellationTokenSource Cut)> _open = new(StringComparer.Ordinal);

    /// <summary>Makes a stream the proxy's one here; the one it replaces is cut.</summary>
    public void Open(string proxyId, Guid stream, CancellationTokenSource cut)
    {
        var previous = default((Guid, CancellationTokenSource)?);
        _open.AddOrUpdate(proxyId, _ => (stream, cut), (_, old) =>
        {
            previous = old;
            return (stream, cut);
        });
        if (previous is { } replaced && replaced.Item1 != stream)
        {
            CancelQuietly(replaced.Item2);
        }
    }

    /// <summary>Forgets a stream that ended, unless another one replaced it already.</summary>
    public void Close(string proxyId, Guid stream)
    {
        if (_open.TryGetValue(proxyId, out var held) && held.Stream == stream)
        {
            _open.TryRemove(KeyValuePair.Create(proxyId, held));
        }
    }

    /// <summary>Cuts the proxy's stream held here, if any.</summary>
    public void Cut(string proxyId)
    {
        if (_open.TryRemove(proxyId, out var held))
        {
            CancelQuietly(held.Cut);
        }
    }

    private static void CancelQuietly(CancellationTokenSource cut)
    {
        try
        {
            cut.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The stream ended meanwhile.
        }
    }
}
