using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>An HAProxy on this host (or reachable over TCP): its Runtime API, its map file, its master CLI.</summary>
internal sealed class HaProxyAccess(HaProxyRuntimeClient client, RouteMap routes, HaProxyMasterClient? master) : IProxyAccess
{
    public HaProxyInfo? LastInfo => client.LastInfo;

    public bool HasMaster => master is not null;

    public Task<HaProxyInfo> ShowInfoAsync(CancellationToken cancellationToken = default) => client.ShowInfoAsync(cancellationToken);

    public Task<IReadOnlyList<StatRow>> ShowAllServerStatsAsync(CancellationToken cancellationToken = default) =>
        client.ShowAllServerStatsAsync(cancellationToken);

    public Task<IReadOnlyList<ServerState>> ShowServersStateAsync(string backend, CancellationToken cancellationToken = default) =>
        client.ShowServersStateAsync(backend, cancellationToken);

    public Task<IReadOnlyList<ServerConnections>> ShowServersConnAsync(string backend, CancellationToken cancellationToken = default) =>
        client.ShowServersConnAsync(backend, cancellationToken);

    public Task<IReadOnlyList<MapDescriptor>> ShowMapsAsync(CancellationToken cancellationToken = default) => client.ShowMapsAsync(cancellationToken);

    public Task<bool> IsMapLoadedAsync(string map, CancellationToken cancellationToken = default) => client.IsMapLoadedAsync(map, cancellationToken);

    public Task SetServerHealthAsync(string backend, string server, ServerHealthState health, CancellationToken cancellationToken = default) =>
        client.SetServerHealthAsync(backend, server, health, cancellationToken);

    public Task SetRuntimeRouteAsync(string key, string backend, CancellationToken cancellationToken = default) =>
        routes.SetRuntimeRouteAsync(key, backend, cancellationToken);

    public Task SetRuntimeRoutesAsync(IReadOnlyCollection<KeyValuePair<string, string>> entries, CancellationToken cancellationToken = default) =>
        entries.Count == 0 ? Task.CompletedTask : routes.SetRuntimeRoutesAsync(entries, cancellationToken);

    public Task SaveRouteAsync(string key, string backend, CancellationToken cancellationToken = default) =>
        routes.SaveRouteAsync(key, backend, cancellationToken);

    public Task RemoveRouteAsync(string key, CancellationToken cancellationToken = default) => routes.RemoveRouteAsync(key, cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> ReadRuntimeRoutesAsync(CancellationToken cancellationToken = default) =>
        routes.ReadRuntimeAsync(cancellationToken);

    public Task<MasterProcessList> ShowProcAsync(CancellationToken cancellationToken = default) => Master().ShowProcAsync(cancellationToken);

    public Task<WorkerSessionCount> CountSessionsAsync(int pid, string backend, CancellationToken cancellationToken = default) =>
        Master().CountSessionsAsync(pid, backend, cancellationToken);

    public ValueTask DisposeAsync() => client.DisposeAsync();

    public Task<IReadOnlyList<BackendServers>> ShowBackendsAsync(IReadOnlyList<string> backends, CancellationToken cancellationToken = default) =>
        client.ShowBackendsAsync(backends, cancellationToken);

    public Task<string?> ReadRuntimeRouteAsync(string key, CancellationToken cancellationToken = default) =>
        routes.ReadRuntimeRouteAsync(key, cancellationToken);

    public Task SetServersHealthAsync(IReadOnlyList<(string Backend, string Server)> servers, ServerHealthState health, CancellationToken cancellationToken = default) =>
        client.SetServersHealthAsync(servers, health, cancellationToken);

    private HaProxyMasterClient Master() => master ?? throw new InvalidOperationException("No master CLI is registered for this proxy.");

    public Task SaveRoutesAsync(IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default) =>
        changes.Count == 0 ? Task.CompletedTask : routes.SaveRoutesAsync(changes, cancellationToken);

    public Task RemoveRuntimeRouteAsync(string key, CancellationToken cancellationToken = default) => routes.RemoveRuntimeRouteAsync(key, cancellationToken);
}
