using System.Collections.Immutable;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Agent mode's routes and reads, behind the same grain calls as direct mode, so one deployment engine drives both:
/// <list type="bullet">
/// <item>A route change pushes the full route set with a new version and returns when the agent acknowledged holding
/// it (its state file, the map file and HAProxy's runtime map, in that order, on the proxy host). Pushes happen only in
/// the grain's own turns: one writer, versions in order.</item>
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

    private bool IsAgentMode => state.State.Registration is { Mode: ProxyMode.Agent };

    /// <summary>How long an agent may take to answer one push or command before the call is Unavailable.</summary>
    private TimeSpan AgentAnswerTimeout => options.Value.CommandTimeout;

    public async Task SyncAgentAsync()
    {
        if (!IsAgentMode || _agentLink is null || _agentHeldVersion == state.State.AgentRoutesVersion)
        {
            return;
        }

        if (state.State.AgentRoutesVersion == 0 && state.State.RouteVersions.IsEmpty)
        {
            // This server never routed anything through the proxy (just registered): what the agent holds is left
            // alone, not wiped by an empty set. The first route change pushes the set the server wants.
            return;
        }

        Log.AgentResync(_logger, Id, _agentHeldVersion ?? 0, state.State.AgentRoutesVersion);
        try
        {
            // In the line of writes: a save interleaving now (SaveRouteAsync) pushes only before or after this push.
            await Commits.ExclusiveAsync(async () =>
            {
                var version = await PushAsync(state.State.Routes);
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

    /// <summary>The switch's first half in agent mode: the agent holds the new set when this returns; persisting follows in <see cref="SaveAgentRouteAsync"/>.</summary>
    /// <remarks>In the line of writes, as every push: a save or removal interleaving with this call pushes before or after it.</remarks>
    private Task<DateTimeOffset> SwitchAgentRouteAsync(string key, string backend, long version) => Commits.ExclusiveAsync(async () =>
    {
        RefuseStale("switch", key, version);
        var routes = state.State.Routes.SetItem(key, backend);
        var pushed = await PushAsync(routes);
        var done = time.GetUtcNow();
        _unsaved.TryAdd(key, state.State.Routes.TryGetValue(key, out var previous) ? previous : null);
        state.State = state.State with { Routes = routes, RouteVersions = state.State.RouteVersions.SetItem(key, version), AgentRoutesVersion = pushed };
        return done;
    });

    /// <summary>
    /// Persists the route. The agent holds it already after a switch; when it does not (this activation never switched
    /// it, or the agent holds another version), it is pushed first. A failed write puts the previous route back, on the
    /// agent too.
    /// </summary>
    private async Task SaveAgentRouteAsync(string key, string backend, long version)
    {
        var previous = _unsaved.Remove(key, out var unsaved) ? unsaved : state.State.Routes.GetValueOrDefault(key);
        var routes = state.State.Routes.SetItem(key, backend);
        var pushed = state.State.AgentRoutesVersion;
        if (!state.State.Routes.TryGetValue(key, out var held) || held != backend || _agentHeldVersion != pushed)
        {
            pushed = await PushAsync(routes);
        }

        state.State = state.State with { Routes = routes, RouteVersions = state.State.RouteVersions.SetItem(key, version), AgentRoutesVersion = pushed };
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e) when (IsStale(e))
        {
            await PutBackAgentAsync(key, previous);
            DeactivateOnIdle();
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await PutBackAgentAsync(key, previous);
            throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': switched, but the route could not be persisted ({e.Message}); put back.");
        }
    }

    /// <summary>The desired state first (as in direct mode), then the push; an agent not reached now gets it at its resync.</summary>
    private async Task RemoveAgentRouteAsync(string key, long version)
    {
        state.State = state.State with { Routes = state.State.Routes.Remove(key), RouteVersions = state.State.RouteVersions.SetItem(key, version) };
        await state.WriteStateAsync();
        _unsaved.Remove(key);
        var pushed = await PushAsync(state.State.Routes);
        state.State = state.State with { AgentRoutesVersion = pushed };
    }

    /// <summary>Best effort after a failed save: the previous route desired again, pushed, then stored; what fails is logged and left to the resync.</summary>
    private async Task PutBackAgentAsync(string key, string? previous)
    {
        var routes = previous is null ? state.State.Routes.Remove(key) : state.State.Routes.SetItem(key, previous);
        state.State = state.State with { Routes = routes };
        await PutBackStepAsync(key, async () => state.State = state.State with { AgentRoutesVersion = await PushAsync(routes) });
        await PutBackStepAsync(key, () => state.WriteStateAsync());
    }

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
    /// Pushes a full route set with a new version; returns the version once the agent holds it. Unavailable when no
    /// agent is connected, it does not answer in time, or it did not take the routes.
    /// </summary>
    private async Task<long> PushAsync(ImmutableDictionary<string, string> routes)
    {
        var link = AgentLinkOrThrow();
        var version = NextAgentVersion();
        var ack = await AskAgentAsync(() => link.PushRoutesAsync(version, routes));
        _agentHeldVersion = Math.Max(ack.HeldVersion, _agentHeldVersion ?? 0);
        return ack.Holds
            ? version
            : throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': its agent did not apply routes version {version}: {ack.Status}{(ack.Error is null ? string.Empty : $" ({ack.Error})")}.");
    }

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
