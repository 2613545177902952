using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Proxies;

public sealed class ProxyMonitorOptions
{
    /// <summary>How often a proxy grain probes its HAProxy and re-applies drifted routes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the monitor also reads every server of every backend (one <c>show stat</c>), which proxy listings
    /// show: a large config's reply is megabytes (README), not worth reading every tick.
    /// </summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How old a backend read may be when a deployment asks for it again, and how often a proxy reads the backends that
    /// deployments wait on (one round trip for all of them): the deployment poll interval.
    /// </summary>
    public TimeSpan ReadFreshness { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Command timeout of the Runtime API client.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The cap on one Runtime API reply (<see cref="HaProxyRuntimeOptions.MaxReplyBytes"/>).</summary>
    public int MaxReplyBytes { get; set; } = HaProxyRuntimeOptions.DefaultMaxReplyBytes;
}
