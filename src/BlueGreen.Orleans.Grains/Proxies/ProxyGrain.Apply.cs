namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Routes set by a spec's apply (<see cref="ApplyRouteAsync"/>). Unlike a deployment's switch, nothing waits on the
/// moment traffic moves, so the desired state comes first and the runtime follows, both batched: the save joins the
/// group commit (<see cref="SaveRouteAsync"/>), and the <c>set map</c> commands of every apply waiting at that point
/// go to HAProxy pipelined in one write (<see cref="RuntimeRoutes"/>). Registering 1,000 services on a proxy therefore
/// costs a few state writes, map-file writes and round trips, where it was one turn, one <c>set map</c> round trip and
/// one write per route.
/// </summary>
/// <remarks>
/// The runtime batch sets each key to the route memory holds when the batch starts, and skips a key a newer change took
/// over meanwhile (its version differs): that change's own call sets HAProxy. A key is never set to an older route
/// than memory holds, so the batch cannot undo a switch that overtook it; the monitor re-applies desired routes after
/// any failure.
/// </remarks>
internal sealed partial class ProxyGrain
{
    private GroupCommit<(string Key, long Version)>? _runtimeLine;

    /// <summary>The line of pipelined runtime <c>set map</c> batches for applied routes.</summary>
    private GroupCommit<(string Key, long Version)> RuntimeRoutes => _runtimeLine ??= new GroupCommit<(string Key, long Version)>(SetRuntimeRoutesAsync);

    public async Task<DateTimeOffset> ApplyRouteAsync(string key, string backend, long version)
    {
        // Refused (stale version, bad name) before anything changes, as a save is; in agent mode the save pushes the
        // route to the agent, which holds it at runtime once it acknowledged.
        await SaveRouteAsync(key, backend, version);
        if (!IsAgentMode)
        {
            await RuntimeRoutes.CommitAsync((key, version));
        }

        return time.GetUtcNow();
    }

    private async Task SetRuntimeRoutesAsync(IReadOnlyList<(string Key, long Version)> changes)
    {
        var routes = changes
            .Where(c => state.State.RouteVersions.TryGetValue(c.Key, out var held) && held == c.Version)
            .Select(c => c.Key)
            .Distinct(StringComparer.Ordinal)
            .Where(state.State.Routes.ContainsKey)
            .Select(k => KeyValuePair.Create(k, state.State.Routes[k]))
            .ToList();
        await CallAsync(proxy => proxy.SetRuntimeRoutesAsync(routes));
    }
}
