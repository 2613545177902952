using System.Collections.Immutable;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Agent mode's routes and reads, behind the same grain calls as direct mode, so one deployment engine drives both:
/// <list type="bullet">
/// <item>Route changes are group committed (ProxyGrain.Commit.cs): every switch, save and removal that arrives while a
/// push or write runs shares the next push of the full route set, with one new version the agent acknowledges once
/// (its state file, the map file and HAProxy's runtime map, in that order, on the proxy host), and one write of the
/// grain state when the batch holds a save or removal. A caller returns after the push (and write) that carried its
/// change. Pushes happen only in the commit line: one writer, versions in order.</item>
/// <item><see cref="ProxyState.AgentRoutesVersion"/> is the version whose content is <see cref="ProxyState.Routes"/>;
/// an agent that holds another one (a reconnect, a push whose answer was lost, a reactivation) gets the routes again
/// with a newer version: resync by version, never by replaying history.</item>
/// <item>Health reads the last snapshot the agent sent (memory, no round trip); a snapshot older than a few of the
/// agent's ticks counts as unreachable. A drain and a forced recheck ask the agent (one round trip): a drain must see
/// old workers now.</item>
/// </list>
/// </summary>
internal sealed partial class ProxyGrain
{
    /// <summary>A snapshot counts as stale after this many of the agent's ticks without a newer one, and never sooner than <see cref="MinStale"/>.</summary>
    private const int StaleTicks = 3;

    private static readonly TimeSpan MinStale = TimeSpan.FromSeconds(3);

    private ImmutableDictionary<string, BackendReport> _agentBackends = ImmutableDictionary<string, BackendReport>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>
    /// The last version pushed whose first ack was the runtime's, and whether its final ack (the agent's disk) holds it:
    /// one wait shared by whoever needs it. Null after a push answered with a final ack at once.
    /// </summary>
    private (long Version, Task<string?> Failure)? _agentFinal;

    private bool IsAgentMode => state.State.Registration is { Mode: ProxyMode.Agent };

    /// <summary>
    /// <see cref="ProxyState.AgentRoutesVersion"/> when no version pushed holds the desired routes (a removal stored while
    /// its push failed, a put-back the agent did not take): no agent holds it, so the next resync pushes them.
    /// </summary>
    private const long NoAgentVersion = -1;

    /// <summary>How long an agent may take to answer one push or command before the call is Unavailable.</summary>
    private TimeSpan AgentAnswerTimeout => options.Value.CommandTimeout;

    public async Task SyncAgentAsync()
    {
        if (!IsAgentMode || _agentLink is null || _agentHeldVersion == state.State.AgentRoutesVersion)
        {
            return;
        }

        if (_agentFinal is { } final && final.Version == state.State.AgentRoutesVersion && await final.Failure is null)
        {
            // A switch's push whose final ack had not been waited for yet: the agent's disk holds it now.
            return;
        }

        if (state.State.AgentRoutesVersion == 0 && state.State.Routes.IsEmpty)
        {
            // This server never had a route through the proxy acknowledged (just registered, or its first changes
            // failed): what the agent holds is left alone, not wiped by an empty set. The first route change pushes
            // the set the server wants.
            return;
        }

        Log.AgentResync(_logger, Id, _agentHeldVersion ?? 0, state.State.AgentRoutesVersion);
        try
        {
            // In the line of writes: a save interleaving now (SaveRouteAsync) pushes only before or after this push.
            await Commits.ExclusiveAsync(async () =>
            {
                var version = await PushAsync(state.State.Routes, untilDurable: true);
                state.State = state.State with { AgentRoutesVersion = version };
                await state.WriteStateAsync();
            });
        }
        catch (BlueGreenException e)
        {
            // The monitor tries again at its next tick.
            Log.AgentPushFailed(_logger, Id, e.Message);
        }
    }

    /// <summary>
    /// The switch's first half in agent mode: returns the time the agent acknowledged the set carrying the route;
    /// persisting follows in <see cref="SaveRouteAsync"/>. Switches arriving while a push runs share the next one.
    /// </summary>
    private async Task<DateTimeOffset> SwitchAgentRouteAsync(string key, string backend, long version)
    {
        var change = new RouteChange { Key = key, Backend = backend, Persist = false };
        await CommitAgentChangeAsync(change, version);
        return change.Applied ?? time.GetUtcNow();
    }

    /// <summary>
    /// One caller's change (its version checked already) into the next agent commit: refused before memory changes when
    /// HAProxy must not see its names, so that it cannot fail the batch it would have joined. Memory takes only the
    /// version now (a later, older call is refused at once); the route itself changes when the agent holds it.
    /// </summary>
    private async Task CommitAgentChangeAsync(RouteChange change, long version)
    {
        var key = change.Key!;
        CheckArguments(key, change.Backend);
        state.State = state.State with { RouteVersions = state.State.RouteVersions.SetItem(key, version) };
        try
        {
            await Commits.CommitAsync(change);
        }
        catch (Exception e) when (e is not (BlueGreenException or OperationCanceledException) && !IsStale(e))
        {
            throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': the route could not be persisted ({e.Message}); put back.");
        }
    }

    /// <summary>
    /// One agent batch: the desired set with every change applied in the order submitted, pushed once with one new
    /// version (skipped when the agent holds that set already, e.g. a save after its switch), then, when the batch holds
    /// a save or removal, one write of the grain state. <see cref="ProxyState.Routes"/> changes only once the agent acked
    /// the set, so memory and storage keep it the content of <see cref="ProxyState.AgentRoutesVersion"/>.
    /// </summary>
    /// <remarks>
    /// A failed push changes no route, except removals: desired first, as in direct mode, so they are stored without
    /// a version holding them and the agent gets them at its resync. A failed write puts back every key of the batch
    /// (<see cref="PutBackAgentAsync"/>). Either way every caller of the batch fails; an ETag conflict also ends the
    /// activation.
    /// </remarks>
    private async Task CommitAgentRoutesAsync(IReadOnlyList<RouteChange> changes)
    {
        var routed = changes.Where(c => c.Key is not null).ToList();
        var keys = routed.Select(c => c.Key!).Distinct(StringComparer.Ordinal).ToList();
        var before = state.State;
        var routes = Apply(before.Routes, routed);
        var pushed = before.AgentRoutesVersion;
        var persist = changes.Any(c => c.Persist);
        if (!SameRoutes(routes, before.Routes) || (_agentHeldVersion != pushed && _agentFinal?.Version != pushed))
        {
            try
            {
                // A removal's push waits for the agent's disk (a failed one keeps the removal: KeepRemovalsAsync); the
                // others return as soon as HAProxy has the routes, and a save waits for the disk below.
                pushed = await PushAsync(routes, untilDurable: routed.Any(c => c.Backend is null));
            }
            catch (BlueGreenException) when (routed.Any(c => c.Backend is null))
            {
                await KeepRemovalsAsync(routed);
                throw;
            }
        }

        var applied = time.GetUtcNow();
        foreach (var key in keys)
        {
            // The route before this batch, unless a change not yet durable (a switch) holds that already.
            if (!SameRoute(routes, before.Routes, key))
            {
                _unsaved.TryAdd(key, before.Routes.GetValueOrDefault(key));
            }
        }

        state.State = state.State with { Routes = routes, AgentRoutesVersion = pushed };
        foreach (var change in changes)
        {
            change.Applied = applied;
        }

        if (!persist)
        {
            return;
        }

        try
        {
            // The agent's disk first (its final ack of the version HAProxy has), then the grain's: a save is durable on both.
            if (_agentFinal is { } final && final.Version == pushed && await final.Failure is { } failure)
            {
                throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': its agent did not store routes version {pushed}: {failure}.");
            }

            await state.WriteStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await PutBackAgentAsync(keys);
            if (IsStale(e))
            {
                DeactivateOnIdle();
            }

            throw;
        }

        foreach (var key in keys)
        {
            _unsaved.Remove(key);
        }
    }

    /// <summary>
    /// After a failed push: the batch's removals stored anyway (desired first), with no version holding the set
    /// (<see cref="NoAgentVersion"/>), so any agent gets it at its resync. When even that write fails, they are put back.
    /// </summary>
    private async Task KeepRemovalsAsync(List<RouteChange> routed)
    {
        var before = state.State;
        var removed = routed.Where(c => c.Backend is null).Select(c => c.Key!).Where(before.Routes.ContainsKey).ToList();
        if (removed.Count == 0)
        {
            return;
        }

        state.State = before with { Routes = before.Routes.RemoveRange(removed), AgentRoutesVersion = NoAgentVersion };
        try
        {
            await state.WriteStateAsync();
            foreach (var key in removed)
            {
                _unsaved.Remove(key);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            state.State = state.State with { Routes = state.State.Routes.SetItems(removed.Select(k => KeyValuePair.Create(k, before.Routes[k]))), AgentRoutesVersion = before.AgentRoutesVersion };
            Log.PutBackFailed(_logger, Id, removed[0], e);
            if (IsStale(e))
            {
                DeactivateOnIdle();
            }
        }
    }

    /// <summary>
    /// Best effort after a failed write (as <see cref="PutBackAsync"/> in direct mode): each key of the batch back on the
    /// route it had before its change not yet durable (a save's switch included), pushed, then stored. A put-back the agent did not take leaves no version
    /// holding the set (<see cref="NoAgentVersion"/>): the resync pushes it. What fails is logged.
    /// </summary>
    private async Task PutBackAgentAsync(List<string> keys)
    {
        var routes = state.State.Routes;
        foreach (var key in keys)
        {
            if (_unsaved.Remove(key, out var previous))
            {
                routes = previous is null ? routes.Remove(key) : routes.SetItem(key, previous);
            }
        }

        if (SameRoutes(routes, state.State.Routes))
        {
            // Nothing the batch changed: the agent holds what memory does, and storage what it held.
            return;
        }

        state.State = state.State with { Routes = routes, AgentRoutesVersion = NoAgentVersion };
        await PutBackStepAsync(keys[0], async () => state.State = state.State with { AgentRoutesVersion = await PushAsync(routes, untilDurable: true) });
        await PutBackStepAsync(keys[0], () => state.WriteStateAsync());
    }

    private static ImmutableDictionary<string, string> Apply(ImmutableDictionary<string, string> routes, List<RouteChange> changes)
    {
        foreach (var change in changes)
        {
            routes = change.Backend is null ? routes.Remove(change.Key!) : routes.SetItem(change.Key!, change.Backend);
        }

        return routes;
    }

    private static bool SameRoutes(ImmutableDictionary<string, string> a, ImmutableDictionary<string, string> b) =>
        a == b || (a.Count == b.Count && a.All(r => b.TryGetValue(r.Key, out var v) && v == r.Value));

    /// <summary>What HAProxy serves now, read by the agent (<c>show map</c>): one round trip, whatever version it holds.</summary>
    private async Task<ImmutableDictionary<string, string>> ReadAgentServedRoutesAsync()
    {
        var link = AgentLinkOrThrow();
        return await AskAgentAsync(() => link.ReadRoutesAsync());
    }

    /// <summary>One backend from the agent's last snapshot: memory only. Stale or absent counts as unreachable.</summary>
    private BackendReport AgentBackend(string backend)
    {
        if (AgentSnapshotProblem() is { } problem)
        {
            return new BackendReport { ProxyId = Id, Backend = backend, Reachable = false, Error = problem, ReadAt = time.GetUtcNow() };
        }

        return _agentBackends.TryGetValue(backend, out var report)
            ? report
            : new BackendReport { ProxyId = Id, Backend = backend, Reachable = true, ReadAt = _agentSnapshotReadAt ?? time.GetUtcNow() };
    }

    private async Task ForceAgentRecheckAsync(string backend)
    {
        var link = AgentLinkOrThrow();
        var report = await AskAgentAsync(() => link.RecheckAsync(backend, true));
        _agentBackends = _agentBackends.SetItem(backend, report with { ProxyId = Id });
    }

    private async Task<DrainReport> ReadAgentDrainAsync(string backend)
    {
        var link = _agentLink;
        if (link is null || AgentSnapshotProblem() is not null)
        {
            return new DrainReport { Live = AgentBackend(backend) };
        }

        try
        {
            var drain = await AskAgentAsync(() => link.ReadDrainAsync(backend));
            return drain with { Live = drain.Live with { ProxyId = Id } };
        }
        catch (BlueGreenException e) when (e.Code == ErrorCode.Unavailable)
        {
            return new DrainReport { Live = new BackendReport { ProxyId = Id, Backend = backend, Reachable = false, Error = e.Message, ReadAt = time.GetUtcNow() } };
        }
    }

    /// <summary>What the agent's last snapshot lacks for a service, as <see cref="CheckServiceAsync"/> words it for a direct proxy.</summary>
    private ImmutableList<string> CheckAgentService(ImmutableDictionary<string, ImmutableList<string>> backends)
    {
        if (AgentSnapshotProblem() is { } problem)
        {
            return [$"unreachable ({problem})"];
        }

        return [.. backends.OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => BackendProblem(b.Key, b.Value, _agentBackends.GetValueOrDefault(b.Key)?.Servers.Select(s => s.Server)))
            .OfType<string>()];
    }

    /// <summary>Why the agent's view cannot be used now (no agent, no snapshot yet, a stale one), or null.</summary>
    private string? AgentSnapshotProblem()
    {
        if (_agentLink is null)
        {
            return $"proxy '{Id}': its agent is not connected";
        }

        if (_agentSnapshotReadAt is null)
        {
            return $"proxy '{Id}': its agent has sent no snapshot yet";
        }

        var age = time.GetElapsedTime(_agentSnapshotStamp);
        var stale = _agentHello?.Tick is { } tick && tick * StaleTicks > MinStale ? tick * StaleTicks : MinStale;
        return age > stale ? $"proxy '{Id}': its agent's last snapshot is {age.TotalSeconds:0.0} s old" : null;
    }

    /// <summary>A report's backends into the grain's view: a full one replaces it, a partial one merges into it.</summary>
    private void TakeSnapshot(AgentReport report)
    {
        var backends = report.Full ? _agentBackends.Clear() : _agentBackends;
        backends = backends.RemoveRange(report.RemovedBackends).SetItems(report.Backends.Select(b => KeyValuePair.Create(b.Key, b.Value with { ProxyId = Id })));
        _agentBackends = backends;
        NotifyChanged(report.Backends.Keys.Concat(report.RemovedBackends));
        if (report.SnapshotReadAt is not null)
        {
            // What listings show. Reachable and the last error are derived from the snapshot's age in agent mode
            // (AgentSnapshotProblem), so the direct monitor's fields for them stay untouched here.
            _backends = [.. _agentBackends.Values.OrderBy(b => b.Backend, StringComparer.Ordinal)];
            _backendsReadAt = report.SnapshotReadAt;
            _lastSeenAt = time.GetUtcNow();
        }
    }

    /// <summary>
    /// Pushes a full route set with a new version; returns the version once HAProxy's runtime map has it (as a direct
    /// switch returns after <c>set map</c>) or, with <paramref name="untilDurable"/>, once the agent's disk holds it
    /// too. Unavailable when no agent is connected, it does not answer in time, or it did not take the routes. A
    /// version whose final ack is still to come is <see cref="_agentFinal"/>.
    /// </summary>
    private async Task<long> PushAsync(ImmutableDictionary<string, string> routes, bool untilDurable)
    {
        var link = AgentLinkOrThrow();
        var version = NextAgentVersion();
        var sent = time.GetTimestamp();
        var ack = await AskAgentAsync(() => link.PushRoutesAsync(version, routes));
        if (ack.Status is AgentAckStatus.RuntimeApplied or AgentAckStatus.Applied)
        {
            // The agent's figure is its own word: never below zero nor above the round trip it is part of.
            var roundTrip = time.GetElapsedTime(sent);
            telemetry.AgentPushed(roundTrip, TimeSpan.FromTicks(Math.Clamp(ack.Total.Ticks, 0, roundTrip.Ticks)));
        }

        NoteAgentHolds(ack.HeldVersion);
        if (ack.Status == AgentAckStatus.RuntimeApplied)
        {
            // Waited for from now on, once, whoever needs it (a save, a resync): the agent writes its disk meanwhile.
            var final = FinalAckFailureAsync(link, version);
            _agentFinal = (version, final);
            return !untilDurable || await final is not { } failure
                ? version
                : throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': its agent did not store routes version {version}: {failure}.");
        }

        _agentFinal = null;
        return ack.Holds
            ? version
            : throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': its agent did not apply routes version {version}: {Describe(ack)}.");
    }

    /// <summary>
    /// Waits for the final ack of a version whose runtime ack came (the agent's state and map files): null when they
    /// hold it, else why not (they do not, or the agent did not say in time).
    /// </summary>
    private async Task<string?> FinalAckFailureAsync(IAgentLink link, long version)
    {
        try
        {
            var ack = await AskAgentAsync(() => link.DurableAsync(version));
            NoteAgentHolds(ack.HeldVersion);
            return ack.Holds ? null : Describe(ack);
        }
        catch (BlueGreenException e)
        {
            return e.Message;
        }
    }

    private static string Describe(AgentRoutesAck ack) => $"{ack.Status}{(ack.Error is null ? string.Empty : $" ({ack.Error})")}";

    /// <summary>
    /// Newer than every version this grain issued and the agent holds, and than the wall clock in microseconds: a new
    /// activation that knows neither (state lost, agent not heard yet) still issues a newer one.
    /// </summary>
    private long NextAgentVersion() =>
        Math.Max(Math.Max(state.State.AgentRoutesVersion, _agentHeldVersion ?? 0) + 1, time.GetUtcNow().ToUnixTimeMilliseconds() * 1000);

    private IAgentLink AgentLinkOrThrow() =>
        _agentLink ?? throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': its agent is not connected.");

    /// <summary>One call down the agent's stream, bounded by <see cref="AgentAnswerTimeout"/>; any failure of the link is Unavailable.</summary>
    private async Task<T> AskAgentAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().WaitAsync(AgentAnswerTimeout);
        }
        catch (TimeoutException)
        {
            throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': its agent did not answer within {AgentAnswerTimeout.TotalSeconds:0.#} s.");
        }
        catch (BlueGreenException)
        {
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The gateway holding the stream is gone, or its link was deleted: the agent cannot be reached this way.
            throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': its agent could not be reached ({e.Message}).");
        }
    }
}
