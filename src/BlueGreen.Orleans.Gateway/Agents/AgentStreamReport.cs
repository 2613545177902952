using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Gateway.Agents;

/// <summary>What one stream learned since its last report to the proxy grain (coalesced: the grain hears at most one report a second).</summary>
internal sealed class AgentStreamReport
{
    private readonly Lock _lock = new();
    private AgentReport _pending = new();

    public void Acknowledged(long heldVersion)
    {
        lock (_lock)
        {
            _pending = _pending with { HeldVersion = heldVersion };
        }
    }

    public void Snapshot(DateTimeOffset readAt, int? pid, string? error)
    {
        lock (_lock)
        {
            _pending = _pending with { SnapshotReadAt = readAt, HaProxyPid = pid ?? _pending.HaProxyPid, SnapshotError = error };
        }
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
}
