using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// The way a proxy grain reaches its HAProxy: the Runtime API reads and commands it sends, its route map (runtime and
/// file) and, when registered, the master CLI. Errors are the adapter's (<see cref="HaProxyConnectionException"/>,
/// <see cref="InvalidRuntimeArgumentException"/>...); the grain maps them.
/// </summary>
public interface IProxyAccess : IAsyncDisposable
{
    /// <summary>What the live worker said in the last reply that carried <c>show info</c>; null before one.</summary>
    HaProxyInfo? LastInfo { get; }

    /// <summary>Whether a master CLI was registered, so old workers can be counted.</summary>
    bool HasMaster { get; }

    Task<HaProxyInfo> ShowInfoAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StatRow>> ShowAllServerStatsAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ServerState>> ShowServersStateAsync(string backend, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ServerConnections>> ShowServersConnAsync(string backend, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MapDescriptor>> ShowMapsAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether HAProxy has loaded the map file (a probe, whatever the length of <c>show map</c>'s listing).</summary>
    Task<bool> IsMapLoadedAsync(string map, CancellationToken cancellationToken = default);

    Task SetServerHealthAsync(string backend, string server, ServerHealthState health, CancellationToken cancellationToken = default);

    /// <summary>The route at runtime only: effective at once, lost on reload.</summary>
    Task SetRuntimeRouteAsync(string key, string backend, CancellationToken cancellationToken = default);

    /// <summary>Many routes at runtime only, pipelined in as few round trips as the batch allows.</summary>
    Task SetRuntimeRoutesAsync(IReadOnlyCollection<KeyValuePair<string, string>> entries, CancellationToken cancellationToken = default);

    /// <summary>The route in the map file only, for the next reload.</summary>
    Task SaveRouteAsync(string key, string backend, CancellationToken cancellationToken = default);

    /// <summary>Removes a route from the map file and the runtime map.</summary>
    Task RemoveRouteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The routes HAProxy holds right now.</summary>
    Task<IReadOnlyDictionary<string, string>> ReadRuntimeRoutesAsync(CancellationToken cancellationToken = default);

    /// <summary>The master's <c>show proc</c>; only when <see cref="HasMaster"/>.</summary>
    Task<MasterProcessList> ShowProcAsync(CancellationToken cancellationToken = default);

    /// <summary>One worker's sessions to a backend through the master CLI; only when <see cref="HasMaster"/>.</summary>
    Task<WorkerSessionCount> CountSessionsAsync(int pid, string backend, CancellationToken cancellationToken = default);

    /// <summary>Several backends' servers and connections in use, in as few round trips as the client allows.</summary>
    Task<IReadOnlyList<BackendServers>> ShowBackendsAsync(IReadOnlyList<string> backends, CancellationToken cancellationToken = default);

    /// <summary>Many routes in the map file only, one atomic write; a null value removes the key. For the next reload.</summary>
    Task SaveRoutesAsync(IReadOnlyDictionary<string, string?> routes, CancellationToken cancellationToken = default);

    /// <summary>Removes a route from the runtime map only; the map file is written apart (<see cref="SaveRoutesAsync"/>).</summary>
    Task RemoveRuntimeRouteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The backend HAProxy routes one key to right now (<c>get map</c>), or null: one entry, not the whole map.</summary>
    Task<string?> ReadRuntimeRouteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Sets the health of many servers in as few round trips as the client allows; servers the config lacks are skipped.</summary>
    Task SetServersHealthAsync(IReadOnlyList<(string Backend, string Server)> servers, ServerHealthState health, CancellationToken cancellationToken = default);
}
