using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>An HAProxy in memory: its runtime map, its map file, and failures to order. Pure logic only.</summary>
internal sealed class FakeProxyAccess(string mapFile) : IProxyAccess
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _runtime = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _file = new(StringComparer.Ordinal);
    private TaskCompletionSource? _fileHold;

    /// <summary>Thrown by every Runtime API call while set (the map file still works).</summary>
    public Exception? RuntimeFailure { get; set; }

    /// <summary>Thrown by every map file write while set.</summary>
    public Exception? FileFailure { get; set; }

    public HaProxyInfo? LastInfo { get; private set; }

    /// <summary>Map file writes that succeeded, one per call however many routes it carried.</summary>
    public int FileWrites { get; private set; }

    public bool HasMaster => false;

    public string? RuntimeRoute(string key)
    {
        lock (_gate)
        {
            return _runtime.GetValueOrDefault(key);
        }
    }

    public string? FileRoute(string key)
    {
        lock (_gate)
        {
            return _file.GetValueOrDefault(key);
        }
    }

    public Task<HaProxyInfo> ShowInfoAsync(CancellationToken cancellationToken = default) => RuntimeAsync(() =>
        LastInfo = new HaProxyInfo(Pid: 4242, UptimeSeconds: 10, Stopping: false, Version: "2.6.12", CurrentConnections: 0));

    public Task<IReadOnlyList<StatRow>> ShowAllServerStatsAsync(CancellationToken cancellationToken = default) => NoRowsAsync();

    public Task<IReadOnlyList<ServerState>> ShowServersStateAsync(string backend, CancellationToken cancellationToken = default) =>
        RuntimeAsync<IReadOnlyList<ServerState>>(() => []);

    public Task<IReadOnlyList<ServerConnections>> ShowServersConnAsync(string backend, CancellationToken cancellationToken = default) =>
        RuntimeAsync<IReadOnlyList<ServerConnections>>(() => []);

    public Task<IReadOnlyList<MapDescriptor>> ShowMapsAsync(CancellationToken cancellationToken = default) =>
        RuntimeAsync<IReadOnlyList<MapDescriptor>>(() => [new MapDescriptor(0, mapFile, 0)]);

    public Task<bool> IsMapLoadedAsync(string map, CancellationToken cancellationToken = default) => RuntimeAsync(() => map == mapFile);

    public Task SetServerHealthAsync(string backend, string server, ServerHealthState health, CancellationToken cancellationToken = default) =>
        RuntimeAsync(() => true);

    public Task SetRuntimeRouteAsync(string key, string backend, CancellationToken cancellationToken = default)
    {
        // The same allow-list the real route map applies before any I/O.
        RuntimeArguments.Name(key, nameof(key));
        RuntimeArguments.Name(backend, nameof(backend));
        return RuntimeAsync(() => _runtime[key] = backend);
    }

    public Task SetRuntimeRoutesAsync(IReadOnlyCollection<KeyValuePair<string, string>> entries, CancellationToken cancellationToken = default)
    {
        foreach (var (key, backend) in entries)
        {
            RuntimeArguments.Name(key, nameof(key));
            RuntimeArguments.Name(backend, nameof(backend));
        }

        return RuntimeAsync(() =>
        {
            foreach (var (key, backend) in entries)
            {
                _runtime[key] = backend;
            }

            return entries.Count;
        });
    }

    public Task SaveRouteAsync(string key, string backend, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (FileFailure is { } failure)
            {
                return Task.FromException(failure);
            }

            _file[key] = backend;
            FileWrites++;
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Every map file write of many routes from now waits for the returned source: a slow disk. Set a result to let them
    /// through.
    /// </summary>
    public TaskCompletionSource HoldFileWrites()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _fileHold = gate;
        return gate;
    }

    public async Task SaveRoutesAsync(IReadOnlyDictionary<string, string?> routes, CancellationToken cancellationToken = default)
    {
        if (_fileHold is { } hold)
        {
            await hold.Task;
        }

        lock (_gate)
        {
            if (FileFailure is { } failure)
            {
                throw failure;
            }

            foreach (var (key, backend) in routes)
            {
                if (backend is null)
                {
                    _file.Remove(key);
                }
                else
                {
                    _file[key] = backend;
                }
            }

            FileWrites++;
        }
    }

    public Task RemoveRuntimeRouteAsync(string key, CancellationToken cancellationToken = default) => RuntimeAsync(() => _runtime.Remove(key));

    public Task RemoveRouteAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _file.Remove(key);
            FileWrites++;
        }

        return RuntimeAsync(() => _runtime.Remove(key));
    }

    /// <summary>Each batch of forced health changes, in order.</summary>
    public List<IReadOnlyList<(string Backend, string Server)>> HealthBatches { get; } = [];

    public Task SetServersHealthAsync(IReadOnlyList<(string Backend, string Server)> servers, ServerHealthState health, CancellationToken cancellationToken = default) =>
        RuntimeAsync(() =>
        {
            HealthBatches.Add([.. servers]);
            foreach (var (backend, _) in servers)
            {
                ServerStatus[backend] = health == ServerHealthState.Down ? "DOWN" : "UP";
            }

            return true;
        });

    public Task<string?> ReadRuntimeRouteAsync(string key, CancellationToken cancellationToken = default) =>
        RuntimeAsync(() => _runtime.GetValueOrDefault(key));

    public Task<IReadOnlyDictionary<string, string>> ReadRuntimeRoutesAsync(CancellationToken cancellationToken = default) =>
        RuntimeAsync<IReadOnlyDictionary<string, string>>(() => new Dictionary<string, string>(_runtime, StringComparer.Ordinal));

    public Task<MasterProcessList> ShowProcAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException("no master CLI");

    public Task<WorkerSessionCount> CountSessionsAsync(int pid, string backend, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("no master CLI");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Each batch read of backends, in order: which backends it asked for.</summary>
    public List<IReadOnlyList<string>> BackendReads { get; } = [];

    /// <summary>While set, a batch read waits for it: reads asked meanwhile pile up behind it.</summary>
    public TaskCompletionSource? HoldReads { get; set; }

    /// <summary>The status every backend's one server "s1" reports ("UP" unless set).</summary>
    public Dictionary<string, string> ServerStatus { get; } = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<BackendServers>> ShowBackendsAsync(IReadOnlyList<string> backends, CancellationToken cancellationToken = default)
    {
        List<BackendServers> read;
        lock (_gate)
        {
            BackendReads.Add([.. backends]);
            read = [.. backends.Select(b => new BackendServers(
                b,
                StatRow.ParseCsv($"# pxname,svname,status,scur,type\n{b},s1,{ServerStatus.GetValueOrDefault(b, "UP")},0,2\n"),
                []))];
        }

        if (HoldReads is { } hold)
        {
            await hold.Task;
        }

        return await RuntimeAsync<IReadOnlyList<BackendServers>>(() => read);
    }

    private Task<IReadOnlyList<StatRow>> NoRowsAsync() => RuntimeAsync<IReadOnlyList<StatRow>>(() => []);

    private Task<T> RuntimeAsync<T>(Func<T> answer)
    {
        lock (_gate)
        {
            return RuntimeFailure is { } failure ? Task.FromException<T>(failure) : Task.FromResult(answer());
        }
    }
}
