using System.Collections.Immutable;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Group commit of route changes. <see cref="SaveRouteAsync"/> and <see cref="RemoveRouteAsync"/> (and, in agent mode,
/// <see cref="SwitchRouteAsync"/>) interleave: each checks its version and changes memory in one synchronous section,
/// then awaits the commit that carries its change. Changes that arrive while a commit runs share the next one, so
/// registering a fleet or switching many services at once costs a few commits per proxy, not one per route. In direct
/// mode a commit is one write of the grain state (all of memory) and one read-modify-write of the map file applying
/// every key the batch carries; in agent mode it is one push of the full route set with one new version and one write
/// of the grain state (ProxyGrain.AgentRoutes.cs).
/// </summary>
/// <remarks>
/// <para>Why interleaving is safe here:</para>
/// <list type="bullet">
/// <item>Every write of the grain state (and its clear) and every push to an agent goes through <see cref="Commits"/>,
/// one at a time: two writes of one copy at once would be an ETag conflict with itself, and pushes must reach the agent
/// in version order. <see cref="RegisterAsync"/> joins a commit; <see cref="RemoveAsync"/>, the agent's resync and its
/// registration run as exclusive operations in the same line.</item>
/// <item>A direct commit writes whatever memory holds when it starts. Memory may then hold a route that is not durable
/// yet (switched, or saved by a caller still waiting): the caller of that change hears nothing before a write that
/// started after its change ended well, and an error otherwise.</item>
/// <item><c>_unsaved</c> keeps, for each key changed and not yet known durable, the route it had before (what a put-back
/// restores). After a write, a key whose memory route is still the one written is durable; a key changed again meanwhile
/// waits for the write carrying that newer change, which persists it or puts it back to the same earlier route.</item>
/// <item>A direct <see cref="SwitchRouteAsync"/> runs in <see cref="DirectTurns"/>, the line it shares with the calls
/// and monitor ticks that change the proxy's connection or runtime routes (it interleaves with the grain's turns so that
/// agent-mode switches can batch). A save or removal may run while it waits on HAProxy: it re-checks the version
/// afterwards, so an older switch never overwrites a newer change (<see cref="RefuseOvertaken"/>).</item>
/// <item>The monitor (<see cref="ReconcileAsync"/>, <see cref="WriteFilesBehindAsync"/>) writes no state. Its map file
/// writes go through the file's lock like a commit's, and write the route memory holds then; a save that lands in the
/// middle of its pass at worst leaves runtime or file on the older route until the next tick re-applies the desired
/// one (it compares with memory again). The commit's own file write is the one that must land for the caller.</item>
/// </list>
/// </remarks>
internal sealed partial class ProxyGrain
{
    private GroupCommit<RouteChange>? _commitLine;
    private GroupCommit<bool>? _directTurns;

    /// <summary>The one line of state writes and agent pushes: each carries the route changes submitted while the one before ran.</summary>
    private GroupCommit<RouteChange> Commits => _commitLine ??= new GroupCommit<RouteChange>(CommitRoutesAsync);

    /// <summary>
    /// Direct mode: what the grain's turns did for a switch before it interleaved. A direct switch, a registration, a
    /// removal and a monitor tick run here one at a time, in the order they came (only <see cref="GroupCommit{T}.ExclusiveAsync"/> is used).
    /// </summary>
    private GroupCommit<bool> DirectTurns => _directTurns ??= new GroupCommit<bool>(_ => Task.CompletedTask);

    public async Task SaveRouteAsync(string key, string backend, long version)
    {
        RefuseStale("save", key, version);
        if (IsAgentMode)
        {
            await CommitAgentChangeAsync(new RouteChange { Key = key, Backend = backend }, version);
            return;
        }

        Proxy();
        CheckArguments(key, backend);
        // The route before this change unless a change not yet durable holds that already: a put-back restores it, and
        // keeps this version, so that only a newer call may change the key again. After a reactivation between switch
        // and save, memory holds the stored route, which is that route.
        _unsaved.TryAdd(key, state.State.Routes.GetValueOrDefault(key));
        state.State = state.State with { Routes = state.State.Routes.SetItem(key, backend), RouteVersions = state.State.RouteVersions.SetItem(key, version) };
        await PersistAsync(new RouteChange { Key = key, Backend = backend }, "switched, but the route could not be persisted");
    }

    /// <summary>
    /// The desired state first: once stored (with the map file), the route is gone whatever HAProxy does, and the monitor
    /// removes it from a proxy that could not be reached now (removed keys keep their version: <see cref="ReconcileAsync"/>).
    /// The other way round, an unreachable proxy kept the route desired, and its monitor put it back for good. A removal
    /// that could not be stored is put back like a save, and fails.
    /// </summary>
    public async Task RemoveRouteAsync(string key, long version)
    {
        RefuseStale("removal", key, version);
        if (IsAgentMode)
        {
            await CommitAgentChangeAsync(new RouteChange { Key = key }, version);
            return;
        }

        Proxy();
        CheckArguments(key, null);
        _unsaved.TryAdd(key, state.State.Routes.GetValueOrDefault(key));
        state.State = state.State with { Routes = state.State.Routes.Remove(key), RouteVersions = state.State.RouteVersions.SetItem(key, version) };
        await PersistAsync(new RouteChange { Key = key }, "the route's removal could not be persisted");

        // Unless a newer switch routed the key again while the write ran: then HAProxy holds what is desired.
        if (!state.State.Routes.ContainsKey(key))
        {
            await CallAsync(proxy => proxy.RemoveRuntimeRouteAsync(key));
        }
    }

    /// <summary>Waits for the commit that carries <paramref name="change"/>; a failure other than an ETag conflict is Unavailable.</summary>
    private async Task PersistAsync(RouteChange change, string what)
    {
        try
        {
            await Commits.CommitAsync(change);
        }
        catch (Exception e) when (e is not (BlueGreenException or OperationCanceledException) && !IsStale(e))
        {
            throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': {what} ({e.Message}); put back.");
        }
    }

    /// <summary>
    /// An older switch that waited on HAProxy while a newer save or removal of its key interleaved: HAProxy is given the
    /// route memory holds again, and the switch is refused as if it had arrived late.
    /// </summary>
    private async Task RefuseOvertaken(string key, long version)
    {
        if (state.State.RouteVersions.TryGetValue(key, out var held) && version < held)
        {
            await CallAsync(proxy => state.State.Routes.TryGetValue(key, out var route)
                ? proxy.SetRuntimeRouteAsync(key, route)
                : proxy.RemoveRuntimeRouteAsync(key));
            RefuseStale("switch", key, version);
        }
    }

    /// <summary>One batch of the commit line, in the proxy's mode; thrown to every caller of the batch when it fails.</summary>
    private Task CommitRoutesAsync(IReadOnlyList<RouteChange> changes) =>
        state.State.Registration is null
            // Removed while these changes waited: there is nothing to persist them to.
            ? throw NotUsable()
            : IsAgentMode ? CommitAgentRoutesAsync(changes) : CommitDirectRoutesAsync(changes);

    /// <summary>
    /// One direct batch: the grain state as memory holds it, and the map file entries of the keys the batch carries (both
    /// at once, as a single save did). A failure puts back every key whose change this write was the one to persist, and
    /// is thrown to every caller of the batch; an ETag conflict also ends this stale activation.
    /// </summary>
    private async Task CommitDirectRoutesAsync(IReadOnlyList<RouteChange> changes)
    {
        var keys = changes.Select(c => c.Key).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var written = state.State;
        try
        {
            // Both awaited before anything else writes: a put-back's write never runs beside this one.
            await Task.WhenAll(state.WriteStateAsync(), WriteMapFileAsync(written.Routes, keys));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await PutBackAsync(keys, written.Routes);
            if (IsStale(e))
            {
                // Another writer saved this grain's record since it was read: the state in memory is stale, and every
                // later write would fail the same way. Only a new activation re-reads it.
                DeactivateOnIdle();
            }

            throw;
        }

        foreach (var key in keys)
        {
            // Durable now. A key changed again while the write ran keeps an entry: the written route is its "before".
            if (SameRoute(state.State.Routes, written.Routes, key))
            {
                _unsaved.Remove(key);
            }
            else
            {
                _unsaved[key] = written.Routes.GetValueOrDefault(key);
            }

            _fileBehind.Remove(key);
        }
    }

    /// <summary>
    /// Best effort after a failed write: for each key the write carried and nothing changed since, the route it had
    /// before, as desired state, at runtime first (traffic), then in the grain state, then in the file. Each part is tried
    /// whatever the others did: the file is often what failed, and must not keep the state from being put back (a new
    /// activation's monitor applies the stored route). What fails is logged; the monitor holds the runtime on the route
    /// in memory and writes the file until it succeeds.
    /// </summary>
    private async Task PutBackAsync(List<string> keys, ImmutableDictionary<string, string> written)
    {
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            // No entry: an earlier write carried this route already. Changed since: the newer change's write decides.
            if (_unsaved.TryGetValue(key, out var before) && SameRoute(state.State.Routes, written, key))
            {
                _unsaved.Remove(key);
                previous[key] = before;
            }
        }

        if (previous.Count == 0)
        {
            return;
        }

        var routes = state.State.Routes;
        foreach (var (key, route) in previous)
        {
            routes = route is null ? routes.Remove(key) : routes.SetItem(key, route);
        }

        state.State = state.State with { Routes = routes };
        var proxy = Proxy();
        foreach (var (key, route) in previous)
        {
            await PutBackStepAsync(key, () => route is null ? proxy.RemoveRuntimeRouteAsync(key) : proxy.SetRuntimeRouteAsync(key, route));
        }

        var first = previous.Keys.First();
        await PutBackStepAsync(first, () => state.WriteStateAsync());
        if (!await PutBackStepAsync(first, () => proxy.SaveRoutesAsync(previous)))
        {
            foreach (var key in previous.Where(p => p.Value is not null).Select(p => p.Key))
            {
                _fileBehind[key] = true;
            }
        }
    }

    /// <summary>
    /// What HAProxy must not see is refused before memory changes: one caller's bad key must not fail the batch it
    /// would have joined.
    /// </summary>
    private static void CheckArguments(string key, string? backend)
    {
        CheckName(key, nameof(key));
        if (backend is not null)
        {
            CheckName(backend, nameof(backend));
        }
    }

    /// <summary>
    /// A name HAProxy must not see is InvalidArgument, before it joins any batch (a change, a read, a recheck): one
    /// caller's bad name must not fail the others' batch.
    /// </summary>
    private static void CheckName(string value, string name)
    {
        try
        {
            RuntimeArguments.Name(value, name);
        }
        catch (InvalidRuntimeArgumentException e)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, e.Message);
        }
    }

    /// <summary>The batch's keys as <paramref name="routes"/> holds them (absent: removed), in one write of the map file.</summary>
    private async Task WriteMapFileAsync(ImmutableDictionary<string, string> routes, List<string> keys)
    {
        if (keys.Count > 0)
        {
            await Proxy().SaveRoutesAsync(keys.ToDictionary(k => k, k => routes.TryGetValue(k, out var route) ? route : null, StringComparer.Ordinal));
        }
    }

    private static bool SameRoute(ImmutableDictionary<string, string> now, ImmutableDictionary<string, string> then, string key) =>
        now.TryGetValue(key, out var a) == then.TryGetValue(key, out var b) && a == b;
}
