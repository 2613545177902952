using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>
/// Reads every backend with two commands per tick, whatever the number of services: <c>show stat</c> and
/// <c>show servers conn</c>. Frontends are left out; a backend without servers is listed empty.
/// </summary>
internal sealed class SnapshotReader(HaProxyRuntimeClient client, TimeProvider time)
{
    public async Task<FleetSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var stats = await client.ShowStatAsync(cancellationToken);
        var connections = await client.ShowAllServersConnAsync(cancellationToken);
        return Build(stats, connections, time.GetUtcNow(), client.LastInfo?.Pid ?? 0) with { WorkerUptimeSeconds = client.LastInfo?.UptimeSeconds ?? 0 };
    }

    /// <summary>One backend now, for a recheck command.</summary>
    public async Task<FleetSnapshot> ReadBackendAsync(string backend, CancellationToken cancellationToken)
    {
        var stats = await client.ShowServerStatsAsync(backend, cancellationToken);
        var connections = await client.ShowServersConnAsync(backend, cancellationToken);
        var snapshot = Build(stats, connections, time.GetUtcNow(), client.LastInfo?.Pid ?? 0) with { WorkerUptimeSeconds = client.LastInfo?.UptimeSeconds ?? 0 };
        // "show stat <backend> 4 -1" has no BACKEND row: a backend without servers is still the one asked for.
        return snapshot.Backends.Count > 0 ? snapshot : snapshot with { Backends = new Dictionary<string, BackendView>(StringComparer.Ordinal) { [backend] = new(backend, []) } };
    }

    internal static FleetSnapshot Build(IReadOnlyList<StatRow> stats, IReadOnlyList<ServerConnections> connections, DateTimeOffset readAt, int workerPid)
    {
        var used = new Dictionary<(string, string), ServerConnections>();
        foreach (var connection in connections)
        {
            used[(connection.Backend, connection.Server)] = connection;
        }

        var servers = new Dictionary<string, List<ServerView>>(StringComparer.Ordinal);
        var totals = new Dictionary<string, BackendCounters>(StringComparer.Ordinal);
        foreach (var row in stats)
        {
            if (row.Type == StatRowType.Backend)
            {
                servers.TryAdd(row.ProxyName, []);
                totals[row.ProxyName] = new BackendCounters(row.Http5xxResponses, row.HttpResponses, row.ConnectionErrors, row.ResponseErrors);
            }
            else if (row.Type == StatRowType.Server)
            {
                var connection = used.GetValueOrDefault((row.ProxyName, row.ServiceName));
                var list = servers.TryGetValue(row.ProxyName, out var existing) ? existing : servers[row.ProxyName] = [];
                list.Add(new ServerView(
                    row.ServiceName,
                    row.Status,
                    row.CheckStatus,
                    row.CurrentSessions,
                    connection?.UsedCurrent ?? 0,
                    row.CheckDownTransitions,
                    row.SecondsSinceLastChange ?? 0,
                    row.Http5xxResponses,
                    row.HttpResponses,
                    row["addr"] ?? (connection is null ? string.Empty : $"{connection.Address}:{connection.Port}"),
                    row.ConnectionErrors,
                    row.ResponseErrors,
                    row.ResponseTimeMs,
                    row.TotalTimeMs));
            }
        }

        var backends = servers.ToDictionary(s => s.Key, s => new BackendView(s.Key, s.Value, totals.GetValueOrDefault(s.Key)), StringComparer.Ordinal);
        return new FleetSnapshot(readAt, workerPid, backends);
    }
}
