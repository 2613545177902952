using System.Collections.Immutable;
using System.Threading.Channels;
using BlueGreen.Orleans.Proxies;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Agents;

/// <summary>
/// What one stream learned since its last report to the proxy grain, coalesced: backend changes merge (the newest
/// state of each backend wins; a full snapshot replaces everything before it), so a grain busy for a while gets one
/// report with the net change, never a queue. <see cref="Ready"/> wakes the reporter as soon as something arrived.
/// </summary>
internal sealed class AgentStreamReport(string proxyId)
{
    private readonly Lock _lock = new();
    private readonly Channel<bool> _ready = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private AgentReport _pending = new();

    /// <summary>Completes when something arrived since the last <see cref="Take"/> (or at once, when it did already).</summary>
    public async Task ReadyAsync(CancellationToken cancellationToken) => await _ready.Reader.ReadAsync(cancellationToken);

    /// <summary>
    /// The version an ack says the agent holds. Reported at once only when <paramref name="urgent"/>: an ack that answered
    /// the grain's own push already told it, and rides the next report instead of adding a grain call to every switch.
    /// </summary>
    public void Acknowledged(V1.RoutesAck ack, bool urgent)
    {
        lock (_lock)
        {
            _pending = _pending with { HeldVersion = ack.HeldVersion };
        }

        if (urgent)
        {
            Signal();
        }
    }

    public void Snapshot(V1.BackendSnapshot snapshot)
    {
        if (snapshot.ReadAt is not { } read)
        {
            return;
        }

        var readAt = read.ToDateTimeOffset();
        lock (_lock)
        {
            var backends = snapshot.Full ? ImmutableDictionary<string, BackendReport>.Empty.WithComparers(StringComparer.Ordinal) : _pending.Backends;
            var removed = snapshot.Full ? ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal) : _pending.RemovedBackends;
            foreach (var backend in snapshot.Backends)
            {
                backends = backends.SetItem(backend.Name, AgentMapper.ToReport(proxyId, backend, readAt, snapshot.WorkerUptimeSeconds));
                removed = removed.Remove(backend.Name);
            }

            foreach (var name in snapshot.RemovedBackends)
            {
                backends = backends.Remove(name);
                removed = removed.Add(name);
            }

            _pending = _pending with
            {
                SnapshotReadAt = readAt,
                HaProxyPid = snapshot.HaproxyPid == 0 ? _pending.HaProxyPid : snapshot.HaproxyPid,
                SnapshotError = snapshot.Error.Length == 0 ? null : snapshot.Error,
                Full = _pending.Full || snapshot.Full,
                Backends = backends,
                RemovedBackends = removed,
            };
        }

        Signal();
    }

    /// <summary>Everything pending (empty: a heartbeat), and starts afresh.</summary>
    public AgentReport Take()
    {
        lock (_lock)
        {
            var taken = _pending;
            _pending = new AgentReport();
            return taken;
        }
    }

    /// <summary>One wake-up covers everything that arrives before the next take.</summary>
    private void Signal() => _ready.Writer.TryWrite(true);
}
