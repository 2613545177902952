using System.Collections.Immutable;
using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// What registration and a spec's apply ask of the real HAProxy before anything is saved: that the map is loaded, and
/// that both backends of a service exist with the servers the spec names. A refusal names what is missing.
/// </summary>
internal sealed partial class ProxyGrain
{
    public Task<ImmutableList<string>> CheckServiceAsync(ImmutableDictionary<string, ImmutableList<string>> backends)
    {
        var registration = state.State.Registration ?? throw new BlueGreenException(ErrorCode.NotFound, $"proxy '{Id}' is not registered.");
        if (IsAgentMode)
        {
            return Task.FromResult(CheckAgentService(backends));
        }

        return GuardAsync(Proxy(), async client =>
        {
            var problems = ImmutableList.CreateBuilder<string>();
            var (loaded, worker) = await MapReads.ReadAsync();
            if (!loaded)
            {
                problems.Add(MissingMap(registration.MapFile, await client.ShowMapsAsync()));
            }

            // The probe carried "show info": the worker is known now. The monitor's snapshot of that same worker has its
            // configuration (a reload starts a new worker), so it answers for what it shows; what it lacks is read live.
            var snapshot = _backendsPid is { } pid && worker == pid ? SnapshotServers() : [];
            foreach (var (backend, servers) in backends.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                if (snapshot.TryGetValue(backend, out var seen) && BackendProblem(backend, servers, seen) is null)
                {
                    continue;
                }

                IReadOnlyList<ServerState>? actual;
                try
                {
                    actual = await client.ShowServersStateAsync(backend);
                }
                catch (HaProxyUnknownBackendException)
                {
                    actual = null;
                }

                if (BackendProblem(backend, servers, actual?.Select(s => s.Server)) is { } problem)
                {
                    problems.Add(problem);
                }
            }

            Seen(client.LastInfo);
            return problems.ToImmutable();
        },
        e =>
        {
            Unreachable(e);
            return [$"unreachable ({e.Message})"];
        });
    }

    /// <summary>
    /// One probe of the map (<see cref="IProxyAccess.IsMapLoadedAsync"/>) for every check waiting when it is sent (a
    /// fleet of applies checks every proxy at once), and the worker that answered it. A check joins a read sent after it
    /// arrived, never one already on its way.
    /// </summary>
    private SharedRead<(bool Loaded, int? Worker)> MapReads => _mapReads ??= new(async () =>
    {
        var client = Proxy();
        var loaded = await client.IsMapLoadedAsync(state.State.Registration?.MapFile ?? throw NotUsable());
        return (loaded, client.LastInfo?.Pid);
    });

    private SharedRead<(bool Loaded, int? Worker)>? _mapReads;

    private (ImmutableList<BackendReport> Of, Dictionary<string, List<string>> Servers)? _snapshotServers;

    /// <summary>Each backend's servers in the monitor's last snapshot, indexed once per snapshot.</summary>
    private Dictionary<string, List<string>> SnapshotServers()
    {
        if (_snapshotServers is not { } indexed || !ReferenceEquals(indexed.Of, _backends))
        {
            indexed = (_backends, _backends.ToDictionary(b => b.Backend, b => b.Servers.Select(s => s.Server).ToList(), StringComparer.Ordinal));
            _snapshotServers = indexed;
        }

        return indexed.Servers;
    }

    /// <summary>Registration is refused unless the HAProxy behind it answers and has loaded the map file named.</summary>
    private async Task CheckRegistrationAsync(ProxyRegistration registration)
    {
        await using var proxy = proxies.Create(registration);
        var missing = await GuardAsync(
            proxy,
            async p => await p.IsMapLoadedAsync(registration.MapFile) ? null : MissingMap(registration.MapFile, await p.ShowMapsAsync()),
            e => throw new BlueGreenException(ErrorCode.FailedPrecondition, $"runtime_api: could not reach {registration.RuntimeApi} to check its maps ({e.Message}); nothing was registered."));

        if (missing is not null)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"map_file: {missing}; nothing was registered.");
        }
    }

    /// <summary>
    /// Refuses a map file another registered proxy writes (compared by real path, so a symlink or '..' does not hide
    /// it): two proxies writing one file each rewrite it from what they read, so one loses the other's routes. This
    /// checks the proxies in the catalog, whatever silo registered them.
    /// </summary>
    private async Task CheckMapFileFreeAsync(ProxyRegistration registration)
    {
        var mine = WrittenMap(registration);
        var others = (await GrainFactory.GetCatalogGrain().ListProxiesAsync()).Where(id => id != Id).ToList();
        var registrations = await Task.WhenAll(others.Select(async id => (Id: id, Registration: await GrainFactory.GetGrain<IProxyGrain>(id).GetRegistrationAsync())));
        if (registrations.FirstOrDefault(r => r.Registration is { Mode: ProxyMode.Direct } other && WrittenMap(other) == mine) is { Id: not null } owner)
        {
            throw new BlueGreenException(
                ErrorCode.AlreadyExists,
                $"map_file: {mine} is already written by proxy '{owner.Id}'; two proxies writing one map file lose each other's routes. Nothing was registered.");
        }
    }

    /// <summary>The file this server writes for a registration, as a real path (the path made absolute when it cannot be resolved).</summary>
    private static string WrittenMap(ProxyRegistration registration)
    {
        var path = registration.MapFileWritePath ?? registration.MapFile;
        return RealPath.Resolve(path) ?? Path.GetFullPath(path);
    }

    /// <summary>
    /// What a backend lacks for a service, as its HAProxy has it (<paramref name="present"/>: its servers; null: the
    /// backend is not in the configuration), or null. Direct mode reads it live, agent mode from the agent's snapshot.
    /// </summary>
    private static string? BackendProblem(string backend, ImmutableList<string> servers, IEnumerable<string>? present)
    {
        if (present is null)
        {
            return $"backend {backend} is not in its configuration";
        }

        var has = present.ToHashSet(StringComparer.Ordinal);
        return servers.Where(s => !has.Contains(s)).ToList() is { Count: > 0 } lacking
            ? $"backend {backend} has no server {string.Join(", ", lacking)} (it has: {(has.Count == 0 ? "none" : string.Join(", ", has.Order(StringComparer.Ordinal)))})"
            : null;
    }

    /// <summary>The refusal for a map the probe did not find, naming the maps <c>show map</c> lists.</summary>
    private static string MissingMap(string mapFile, IReadOnlyList<MapDescriptor> maps) =>
        $"HAProxy has not loaded the map {mapFile} (its maps: {(maps.Count == 0 ? "none" : string.Join(", ", maps.Select(m => m.File)))}); map_file is the path its config names in map(...)";
}
