using Orleans.Concurrency;

namespace BlueGreen.Orleans.Proxies;

/// <summary>
/// A grain waiting on a backend of some proxy (a deployment waiting for health or for a drain): the proxy grain tells it
/// when what it last read of the backend changed, so the wait ends within one read of the change instead of at the
/// next poll of every waiter.
/// </summary>
[Alias("bluegreen.IBackendWatcher")]
public interface IBackendWatcher : IGrain
{
    /// <summary>The backend's servers changed state, sessions or connections in use (or the proxy's reachability did).</summary>
    [Alias("BackendChanged")]
    [OneWay]
    [AlwaysInterleave]
    Task BackendChangedAsync(string proxy, string backend);
}
