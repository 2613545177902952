using System.Collections.Immutable;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Grains.Telemetry;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Owns one HAProxy. Grain turns serialize every command on its one persistent Runtime API connection. A timer
/// probes <c>show info</c> and compares the runtime map with the desired routes, re-applying them after a restart,
/// a reload or any drift; a reminder brings the grain back after its silo is lost.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The proxy access is disposed in OnDeactivateAsync: a grain lives as long as its activation.")]
internal sealed partial class ProxyGrain(
    [PersistentState("proxy", BlueGreenStorage.Name)] IPersistentState<ProxyState> state,
    TimeProvider time,
    IOptions<ProxyMonitorOptions> options,
    IOptions<ProxyRegistrationOptions> access,
    IProxyAccessFactory proxies,
    BlueGreenTelemetry telemetry,
    ILogger<ProxyGrain> logger) : Grain, IProxyGrain, IRemindable
{
    private const string KeepAliveReminder = "proxy-keepalive";
    private readonly ILogger _logger = logger;

    /// <summary>
    /// Route keys switched at runtime or changed in memory and not known durable yet, with the route each had before
    /// (null: none): what a failed save puts back (ProxyGrain.Commit.cs).
    /// </summary>
    private readonly Dictionary<string, string?> _unsaved = new(StringComparer.Ordinal);

    /// <summary>
    /// Route keys whose map file write failed: the monitor writes them again until one succeeds. The value: whether the
    /// failure is logged already (a tick every few seconds would flood the log).
    /// </summary>
    private readonly Dictionary<string, bool> _fileBehind = new(StringComparer.Ordinal);
    private IProxyAccess? _proxy;
    private string? _masterError;
    private IGrainTimer? _timer;
    private HaProxyInfo? _lastInfo;
    private bool _reachable;
    private string? _lastError;
    private DateTimeOffset? _lastSeenAt;
    private int _reconciliations;
    private ImmutableList<BackendReport> _backends = [];
    private DateTimeOffset? _backendsReadAt;

    // The snapshot's age on the monotonic clock: a wall clock set back an hour must not keep listings an hour old.
    private long _backendsReadStamp;

    /// <summary>The worker whose configuration <see cref="_backends"/> describes (a reload starts another one).</summary>
    private int? _backendsPid;

    /// <summary>Why the stored registration is not used: the configuration no longer allows where it points.</summary>
    private string? _refusal;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Registration is { Mode: ProxyMode.Direct } registration)
        {
            if (ProxyRegistrationPolicy.Check(registration, access.Value) is { Count: > 0 } refusals)
            {
                // Stored before the configuration was narrowed: neither connected to nor written, until registered anew.
                _refusal = $"proxy '{Id}' is registered, but this server's configuration refuses it: {string.Join(" ", refusals)}";
                _lastError = _refusal;
                Log.Refused(_logger, Id, _refusal);
            }
            else
            {
                Connect(registration);
            }
        }
        else if (IsAgentMode)
        {
            StartMonitor();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        telemetry.ProxyGone(Id);
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    /// <remarks>In <see cref="DirectTurns"/>: it replaces the connection a direct switch uses.</remarks>
    public Task RegisterAsync(ProxyRegistration registration) => DirectTurns.ExclusiveAsync(() => RegisterDirectAsync(registration));

    private async Task RegisterDirectAsync(ProxyRegistration registration)
    {
        var errors = ProxyRegistrationValidator.Validate(Id, registration, access.Value);
        if (errors.Count > 0)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, string.Join(" ", errors));
        }

        if (registration.Mode != ProxyMode.Direct)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, "mode: RegisterAsync registers a proxy in direct mode; an agent is registered with its credential.");
        }

        if (state.State.Registration is { Mode: ProxyMode.Agent })
        {
            // Switching modes in place would leave a credential working for a proxy the server now drives itself.
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"proxy '{Id}' is registered in agent mode; remove it first.");
        }

        if (state.State.Registration is { } existing && existing.RuntimeApi != registration.RuntimeApi)
        {
            // Pointing an id at another HAProxy would silently move its routes: remove the proxy first.
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"proxy '{Id}' is already registered at {existing.RuntimeApi}; remove it first.");
        }

        await CheckMapFileFreeAsync(registration);
        await CheckRegistrationAsync(registration);
        state.State = state.State with { Registration = registration, Registered = Actor.Stamp(time) };
        await Commits.CommitAsync(RouteChange.None);
        _refusal = null;
        Connect(registration);
        await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetCatalogGrain().SetProxyAsync(Id, true);
        await ProbeAsync(CancellationToken.None);
    }

    /// <remarks>In <see cref="DirectTurns"/>: it disposes the connection a direct switch uses.</remarks>
    public Task RemoveAsync() => DirectTurns.ExclusiveAsync(RemoveNowAsync);

    private async Task RemoveNowAsync()
    {
        if (state.State.Registration is null)
        {
            throw new BlueGreenException(ErrorCode.NotFound, $"proxy '{Id}' is not registered.");
        }

        // Between two writes: a save waiting for the next one then finds no registration and fails.
        await Commits.ExclusiveAsync(async () =>
        {
            await state.ClearStateAsync();
            state.State = new ProxyState();
            _unsaved.Clear();
        });
        ForgetAgent();
        _backends = [];
        _backendsReadAt = null;
        telemetry.ProxyGone(Id);
        _timer?.Dispose();
        _timer = null;
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }

        if (await this.GetReminder(KeepAliveReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await GrainFactory.GetCatalogGrain().SetProxyAsync(Id, false);
        DeactivateOnIdle();
    }

    public Task<ProxyRegistration?> GetRegistrationAsync() => Task.FromResult(state.State.Registration);

    public Task<ProxyStatus> GetStatusAsync() => Task.FromResult(new ProxyStatus
    {
        Id = Id,
        Registration = state.State.Registration,
        Routes = state.State.Routes,
        Reachable = IsAgentMode ? AgentSnapshotProblem() is null : _reachable,
        Pid = IsAgentMode ? _agentHaProxyPid : _lastInfo?.Pid,
        UptimeSeconds = IsAgentMode ? _agentBackends.Values.FirstOrDefault()?.WorkerUptime is { } up ? (long)up.TotalSeconds : null : _lastInfo?.UptimeSeconds,
        LastSeenAt = _lastSeenAt,
        LastError = IsAgentMode ? AgentSnapshotProblem() : _lastError,
        Reconciliations = _reconciliations,
        Registered = state.State.Registered,
        Backends = _backends,
        BackendsReadAt = _backendsReadAt,
        Agent = state.State.Registration is { Mode: ProxyMode.Agent } ? AgentStatusNow() : null,
    });

    /// <summary>
    /// The switch's first half: <c>set map</c> at runtime (traffic moves at HAProxy's reply, the time returned) and the
    /// desired route in memory. Persisting comes in <see cref="SaveRouteAsync"/>, once the service grain has heard
    /// every proxy of the fleet: two fsyncs per proxy inside the fan-out made the fleet's skew grow by about 1 ms per
    /// proxy (docs/benchmarks.md, fleet-switch). In agent mode the switch joins the next push instead
    /// (ProxyGrain.AgentRoutes.cs): the call interleaves for that, and a direct switch runs in <see cref="DirectTurns"/>,
    /// one at a time and apart from registration, removal and the monitor's ticks, as when it held the grain's turn.
    /// </summary>
    /// <remarks>Why runtime first is as safe as file first: docs/architecture.md, "The switch".</remarks>
    public async Task<DateTimeOffset> SwitchRouteAsync(string key, string backend, long version)
    {
        RefuseStale("switch", key, version);
        if (IsAgentMode)
        {
            return await SwitchAgentRouteAsync(key, backend, version);
        }

        return await DirectTurns.ExclusiveAsync(() => SwitchDirectRouteAsync(key, backend, version));
    }

    private async Task<DateTimeOffset> SwitchDirectRouteAsync(string key, string backend, long version)
    {
        // Again: a save or removal may have run while this switch waited for its turn.
        RefuseStale("switch", key, version);

        // Desired state is only changed once HAProxy took the route: a proxy that failed keeps the old one, and the
        // monitor will hold it there, consistent with the fleet the service grain reverts.
        var before = state.State.Routes.GetValueOrDefault(key);
        await CallAsync(proxy => proxy.SetRuntimeRouteAsync(key, backend));
        var done = time.GetUtcNow();
        await RefuseOvertaken(key, version);

        // Sessions counted from now on: a drain of the colour left counts none that were opened before the switch.
        Invalidate(before);
        Invalidate(backend);
        _unsaved.TryAdd(key, state.State.Routes.TryGetValue(key, out var previous) ? previous : null);
        state.State = state.State with { Routes = state.State.Routes.SetItem(key, backend), RouteVersions = state.State.RouteVersions.SetItem(key, version) };
        return done;
    }

    /// <summary>
    /// Refuses a route change older than the one the proxy holds: its sender gave up on it (a reply lost or late, then a
    /// newer change sent), and applying it now would re-assert an abandoned route. Equal is the same change sent again.
    /// </summary>
    private void RefuseStale(string call, string key, long version)
    {
        if (state.State.RouteVersions.TryGetValue(key, out var held) && version < held)
        {
            Log.StaleRouteRefused(_logger, Id, call, key, version, held);
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"proxy '{Id}': {call} of route '{key}' at version {version} refused: the route is at version {held}, newer.");
        }
    }

    public async Task<string?> GetServedRouteAsync(string key) => IsAgentMode
        ? (await ReadAgentServedRoutesAsync()).GetValueOrDefault(key)
        : await CallAsync(proxy => proxy.ReadRuntimeRouteAsync(key));

    public async Task<ImmutableDictionary<string, string>> GetServedRoutesAsync() => IsAgentMode
        ? await ReadAgentServedRoutesAsync()
        : await CallAsync(async proxy => (await proxy.ReadRuntimeRoutesAsync()).ToImmutableDictionary(StringComparer.Ordinal));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Registration is null && await this.GetReminder(reminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private void Connect(ProxyRegistration registration)
    {
        _proxy?.DisposeAsync().AsTask().Ignore();
        _proxy = null;
        _proxy = proxies.Create(registration);
        StartMonitor();
    }

    private void StartMonitor()
    {
        var monitor = options.Value;
        _timer ??= this.RegisterGrainTimer(MonitorAsync, new GrainTimerCreationOptions(monitor.Interval, monitor.Interval) { KeepAlive = true });
    }

    /// <summary>One monitor tick: who answers, and do its routes match the desired ones?</summary>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        if (IsAgentMode)
        {
            // The agent watches its HAProxy itself; the grain only makes sure it holds the desired version.
            await SyncAgentAsync();
            return;
        }

        // In the direct line: a switch never lands between the tick's read of the runtime map and its re-apply.
        await DirectTurns.ExclusiveAsync(async () =>
        {
            if (state.State.Registration is not null && _proxy is not null && !IsAgentMode)
            {
                await ProbeAsync(cancellationToken);
            }
        });
    }

    private async Task ProbeAsync(CancellationToken cancellationToken) => await GuardAsync(
        Proxy(),
        async proxy =>
        {
            var info = await proxy.ShowInfoAsync(cancellationToken);
            if (_lastInfo is { } before && before.Pid != info.Pid)
            {
                Log.WorkerChanged(_logger, Id, before.Pid, info.Pid);
            }

            Seen(info);
            await ReconcileAsync(proxy, cancellationToken);
            if (_backendsReadAt is null || time.GetElapsedTime(_backendsReadStamp) >= options.Value.SnapshotInterval)
            {
                await SnapshotBackendsAsync(proxy, cancellationToken);
            }

            return true;
        },
        e =>
        {
            Unreachable(e);
            return false;
        });

    /// <summary>
    /// Every server of every backend in one command, kept for <see cref="GetStatusAsync"/>: listing proxies reads this,
    /// never HAProxy, so it queues no Runtime API I/O in front of a switch. Sessions are <c>scur</c>; connections in
    /// use (one <c>show servers conn</c> per backend) are left to the deployment's own live reads.
    /// </summary>
    private async Task SnapshotBackendsAsync(IProxyAccess client, CancellationToken cancellationToken)
    {
        var rows = await client.ShowAllServerStatsAsync(cancellationToken);
        var now = time.GetUtcNow();
        var uptime = client.LastInfo is { } info ? TimeSpan.FromSeconds(info.UptimeSeconds) : (TimeSpan?)null;
        _backends = rows.Where(r => r.Type == StatRowType.Server).GroupBy(r => r.ProxyName).Select(g => new BackendReport
        {
            ProxyId = Id,
            Backend = g.Key,
            Reachable = true,
            ReadAt = now,
            WorkerUptime = uptime,
            Servers = g.Select(r => new ServerHealth(r.ServiceName, r.Status, r.CheckStatus, r.CurrentSessions, 0, r.Http5xxResponses, r.HttpResponses)).ToImmutableList(),
        }).ToImmutableList();
        _backendsReadAt = now;
        _backendsReadStamp = time.GetTimestamp();
        _backendsPid = client.LastInfo?.Pid;
    }

    /// <summary>
    /// Re-applies every desired route the runtime map lacks or holds differently (restart, reload, drift), and removes
    /// the keys this grain removed (they keep a version) that the runtime still holds: a proxy that could not be reached
    /// at the removal, or a reload that loaded an older file.
    /// </summary>
    private async Task ReconcileAsync(IProxyAccess routes, CancellationToken cancellationToken)
    {
        if (state.State.RouteVersions.IsEmpty && state.State.Routes.IsEmpty)
        {
            return;
        }

        var actual = await routes.ReadRuntimeRoutesAsync(cancellationToken);
        foreach (var key in actual.Keys.Where(k => state.State.RouteVersions.ContainsKey(k) && !state.State.Routes.ContainsKey(k)).ToList())
        {
            await routes.RemoveRouteAsync(key, cancellationToken);
            _reconciliations++;
        }

        var drifted = state.State.Routes.Where(r => !actual.TryGetValue(r.Key, out var v) || v != r.Value).ToList();
        var reapplied = false;
        foreach (var (key, backend) in drifted)
        {
            // Runtime first: that is where traffic is routed. The file follows for the next reload.
            await routes.SetRuntimeRouteAsync(key, backend, cancellationToken);
            if (!reapplied)
            {
                // Counted as HAProxy takes the route back: a status read interleaved from here on sees both.
                reapplied = true;
                _reconciliations++;
            }

            _fileBehind.TryAdd(key, false);
        }

        if (drifted.Count > 0)
        {
            telemetry.RoutesReconciled(Id, drifted.Count);
            Log.Reconciled(_logger, Id, drifted.Count);
        }

        await WriteFilesBehindAsync(routes, cancellationToken);
    }

    /// <summary>
    /// Writes the desired route of every key whose file write failed, on every tick until it succeeds: once the runtime
    /// holds the route nothing else would write it, and the next reload would load the stale one. A file that cannot be
    /// written is logged (once), not taken for an unreachable proxy, and does not keep the runtime wrong.
    /// </summary>
    private async Task WriteFilesBehindAsync(IProxyAccess routes, CancellationToken cancellationToken)
    {
        foreach (var (key, logged) in _fileBehind.ToList())
        {
            if (!state.State.Routes.TryGetValue(key, out var backend))
            {
                _fileBehind.Remove(key);
                continue;
            }

            try
            {
                await routes.SaveRouteAsync(key, backend, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!logged)
                {
                    Log.MapFileNotWritten(_logger, Id, key, e);
                    _fileBehind[key] = true;
                }

                continue;
            }

            _fileBehind.Remove(key);
            if (logged)
            {
                Log.MapFileWritten(_logger, Id, key);
            }
        }
    }

    private async Task<bool> PutBackStepAsync(string key, Func<Task> step)
    {
        try
        {
            await step();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.PutBackFailed(_logger, Id, key, e);
            return false;
        }
    }

    private void Seen(HaProxyInfo? info)
    {
        _reachable = true;
        telemetry.ProxyProbed(Id, true);
        _lastError = null;
        _lastSeenAt = time.GetUtcNow();
        _lastInfo = info ?? _lastInfo;
    }

    private void Unreachable(Exception e)
    {
        if (_reachable || _lastError is null)
        {
            Log.Unreachable(_logger, Id, e.Message);
        }

        _reachable = false;
        telemetry.ProxyProbed(Id, false);
        _lastError = e.Message;
    }

    private IProxyAccess Proxy() => _proxy ?? throw NotUsable();

    /// <summary>One call on this proxy's HAProxy; a proxy that failed to answer is marked unreachable, and the call is Unavailable.</summary>
    private async Task CallAsync(Func<IProxyAccess, Task> call) => await CallAsync(async proxy =>
    {
        await call(proxy);
        return true;
    });

    /// <inheritdoc cref="CallAsync(Func{IProxyAccess, Task})"/>
    private Task<T> CallAsync<T>(Func<IProxyAccess, Task<T>> call) => GuardAsync(Proxy(), call, e =>
    {
        Unreachable(e);
        throw new BlueGreenException(ErrorCode.Unavailable, $"proxy '{Id}': {e.Message}");
    });

    /// <summary>
    /// Where every call to HAProxy has its errors mapped: an argument HAProxy must not see is InvalidArgument, a proxy
    /// that failed to answer (refused, timed out, closed, unparseable or oversized reply, an error reply) goes to
    /// <paramref name="whenProxyFailed"/>; anything else is a bug and passes through.
    /// </summary>
    private static async Task<T> GuardAsync<T>(IProxyAccess proxy, Func<IProxyAccess, Task<T>> call, Func<Exception, T> whenProxyFailed)
    {
        try
        {
            return await call(proxy);
        }
        catch (InvalidRuntimeArgumentException e)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, e.Message);
        }
        catch (Exception e) when (IsProxyFailure(e))
        {
            return whenProxyFailed(e);
        }
    }

    private BlueGreenException NotUsable() => _refusal is not null
        ? new BlueGreenException(ErrorCode.FailedPrecondition, _refusal)
        : state.State.Registration is { Mode: ProxyMode.Agent }
            // Every call an agent-mode proxy serves is routed to ProxyGrain.AgentRoutes.cs before it needs a Runtime API.
            ? new BlueGreenException(ErrorCode.FailedPrecondition, $"proxy '{Id}' is in agent mode: it has no Runtime API here.")
            : new BlueGreenException(ErrorCode.NotFound, $"proxy '{Id}' is not registered.");

    /// <summary>An ETag conflict, also when a storage provider wraps it.</summary>
    private static bool IsStale(Exception e) => e is InconsistentStateException || e.InnerException is InconsistentStateException;

    private static bool IsProxyFailure(Exception e) =>
        e is HaProxyCommandException or HaProxyConnectionException or HaProxyTimeoutException or HaProxyReplyTooLargeException or IOException or FormatException;
}
