using System.Collections.Immutable;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Group commit of route changes (direct mode). <see cref="SaveRouteAsync"/> and <see cref="RemoveRouteAsync"/>
/// interleave: each checks its version and changes the desired route in memory in one synchronous section, then awaits
/// a write of the grain state (all of memory) and one read-modify-write of the map file applying every key the batch
/// carries. Changes that arrive while a write runs share the next one, so registering a fleet or switching many services
/// at once costs a few writes per proxy, not one full state write and one full map rewrite (and fsync) per route.
/// </summary>
/// <remarks>
/// <para>Why interleaving is safe here:</para>
/// <list type="bullet">
/// <item>Every write of the grain state (and its clear) goes through <see cref="Commits"/>, one at a time: two writes of
/// one copy at once would be an ETag conflict with itself. <see cref="RegisterAsync"/> joins a commit;
/// <see cref="RemoveAsync"/> and every agent-mode write or push run as exclusive operations in the same line.</item>
/// <item>A commit writes whatever memory holds when it starts. Memory may then hold a route that is not durable yet
/// (switched, or saved by a caller still waiting): the caller of that change hears nothing before a write that started
/// after its change ended well, and an error otherwise.</item>
/// <item><c>_unsaved</c> keeps, for each key changed and not yet known durable, the route it had before (what a put-back
/// restores). After a write, a key whose memory route is still the one written is durable; a key changed again meanwhile
/// waits for the write carrying that newer change, which persists it or puts it back to the same earlier route.</item>
/// <item><see cref="SwitchRouteAsync"/> does not interleave, but a save or removal may run while it waits on HAProxy: it
/// re-checks the version afterwards, so an older switch never overwrites a newer change (<see cref="RefuseOvertaken"/>).</item>
/// <item>The monitor (<see cref="ReconcileAsync"/>, <see cref="WriteFilesBehindAsync"/>) writes no state. Its map file
/// writes go through the file's lock like a commit's, and write the route memory holds then; a save that lands in the
/// middle of its pass at worst leaves runtime or file on the older route until the next tick re-applies the desired
/// one (it compares with memory again). The commit's own file write is the one that must land for the caller.</item>
/// </list>
/// </remarks>
internal sealed partial class ProxyGrain
{
    private GroupCommit<string?>? _commitLine;

    /// <summary>The one line of state writes: a change's key, or null for a write that carries no route.</summary>
    private GroupCommit<string?> Commits => _commitLine ??= new GroupCommit<string?>(CommitRoutesAsync);

    public async Task SaveRouteAsync(string key, string backend, long version)
    {
        RefuseStale("save", key, version);
        if (IsAgentMode)
        {
            // Agent mode keeps one change per push and write; the line keeps pushes and writes apart from each other.
            await Commits.ExclusiveAsync(() =>
            {
                RefuseStale("save", key, version);
                return SaveAgentRouteAsync(key, backend, version);
            });
            return;
        }

        Proxy();
        CheckArguments(key, backend);
        // The route before this change unless a change not yet durable holds that already: a put-back restores it, and
        // keeps this version, so that only a newer call may change the key again. After a reactivation between switch
        // and save, memory holds the stored route, which is that route.
        _unsaved.TryAdd(key, state.State.Routes.GetValueOrDefault(key));
        state.State = state.State with { Routes = state.State.Routes.SetItem(key, backend), RouteVersions = state.State.RouteVersions.SetItem(key, version) };
        await PersistAsync(key, "switched, but the route could not be persisted");
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
            await Commits.ExclusiveAsync(() =>
            {
                RefuseStale("removal", key, version);
                return RemoveAgentRouteAsync(key, version);
            });
            return;
        }

        Proxy();
        CheckArguments(key, null);
        _unsaved.TryAdd(key, state.State.Routes.GetValueOrDefault(key));
        state.State = state.State with { Routes = state.State.Routes.Remove(key), RouteVersions = state.State.RouteVersions.SetItem(key, version) };
        await PersistAsync(key, "the route's removal could not be persisted");

        // Unless a newer switch routed the key again while the write ran: then HAProxy holds what is desired.
        if (!state.State.Routes.ContainsKey(key))
        {
            await CallAsync(proxy => proxy.RemoveRuntimeRouteAsync(key));
        }
    }

    /// <summary>Waits for the write that carries <paramref name="key"/>; a failure other than an ETag conflict is Unavailable.</summary>
    private async Task PersistAsync(string key, string what)
    {
        try
        {
            await Commits.CommitAsync(key);
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

    /// <summary>
    /// One batch: the grain state as memory holds it, and the map file entries of the keys the batch carries (both at
    /// once, as a single save did). A failure puts back every key whose change this write was the one to persist, and
    /// is thrown to every caller of the batch; an ETag conflict also ends this stale activation.
    /// </summary>
    private async Task CommitRoutesAsync(IReadOnlyList<string?> changes)
    {
        if (state.State.Registration is null)
        {
            // Removed while these changes waited: there is nothing to persist them to.
            throw NotUsable();
        }

        var keys = changes.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
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
