using System.Collections.Immutable;
using System.Diagnostics;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.Grains.Telemetry;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>
/// One service. Its turns serialize every command for the service; one deployment at a time runs in a loop on the
/// grain's own scheduler, persisting after every step. After a crash the loop resumes on activation (the startup
/// task, a reminder or any call activates the grain).
/// </summary>
internal sealed partial class ServiceGrain(
    [PersistentState("service", BlueGreenStorage.Name)] IPersistentState<ServiceState> state,
    IInstanceRuntimeProvider runtimes,
    TimeProvider time,
    IOptions<DeploymentLoopOptions> options,
    IOptions<InstanceRuntimeOptions> runtimeOptions,
    IEnumerable<IDeploymentObserver> observers,
    BlueGreenTelemetry telemetry,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain, IRemindable
{
    private const string Reminder = "service-deployment";
    private readonly DeploymentTrace _trace = new(telemetry);
    private Task? _loop;
    private DeploymentStep? _observedStep;
    private IGrainTimer? _warmTimer;

    private string Name => this.GetPrimaryKeyString();

    private ICatalogGrain Catalog => GrainFactory.GetCatalogGrain();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Active is not null)
        {
            Log.Resuming(logger, Name, state.State.Active.ToString());
            EnsureLoop();
        }

        ScheduleWarmRetirement();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _trace.Abandon();
        return Task.CompletedTask;
    }

    public async Task<ServiceInfo> ApplyAsync(ServiceSpec spec)
    {
        var errors = ServiceSpecValidator.Validate(spec, runtimeOptions.Value).ToList();
        if (spec.Name != Name)
        {
            errors.Add($"name: '{spec.Name}' does not match the service '{Name}'.");
        }

        if (errors.Count > 0)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, string.Join(" ", errors));
        }

        RefuseWhileActive();
        var statuses = await Task.WhenAll(spec.Proxies.Select(p => GrainFactory.GetGrain<IProxyGrain>(p).GetStatusAsync()));
        if (statuses.Where(s => s.Registration is null).Select(s => s.Id).ToList() is { Count: > 0 } unknown)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"proxies: not registered: {string.Join(", ", unknown)}.");
        }

        await RefuseUnservableAsync(spec);
        var previous = state.State.Spec;
        if (previous is null && spec.LiveVersion is { } live)
        {
            await AdoptAsync(spec, live);
        }

        if (await Catalog.ClaimRouteKeyAsync(spec.RouteKey, Name) is { } owner)
        {
            // Two services on one key would take each other's traffic at every switch.
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"route_key: '{spec.RouteKey}' is the route key of service '{owner}'; a route key routes to one service only.");
        }

        var saved = state.State;
        state.State = state.State with { Spec = spec, Applied = Actor.Stamp(time) };
        if (previous is null && spec.LiveVersion is { } adopted)
        {
            // Adopt what already runs: blue is live with that version.
            state.State = state.State with { Versions = state.State.Versions.SetItem(Colour.Blue, adopted), Running = state.State.Running.Add(Colour.Blue) };
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = saved;
            if (previous?.RouteKey != spec.RouteKey)
            {
                await Catalog.ReleaseRouteKeyAsync(spec.RouteKey, Name);
            }

            throw;
        }

        await Catalog.SetServiceAsync(Name, true);
        if (previous is not null && previous.RouteKey != spec.RouteKey)
        {
            await Catalog.ReleaseRouteKeyAsync(previous.RouteKey, Name);
        }

        if (previous is not null && previous.RouteKey != spec.RouteKey)
        {
            await Task.WhenAll(previous.Proxies.Select(p => IgnoreFailureAsync(GrainFactory.GetGrain<IProxyGrain>(p).RemoveRouteAsync(previous.RouteKey))));
        }

        // Every proxy routes the key to the live colour; a proxy added to the spec gets the route now.
        var results = await Fleet(spec).SwitchAsync(state.State.LiveColour, null, CancellationToken.None);
        if (results.Where(r => !r.Succeeded).Select(r => $"{r.ProxyId}: {r.Error}").ToList() is { Count: > 0 } failed)
        {
            throw new BlueGreenException(ErrorCode.Unavailable, $"spec saved, but the route could not be set on: {string.Join("; ", failed)}");
        }

        return Info();
    }

    public Task<ServiceInfo?> GetAsync() => Task.FromResult(state.State.Spec is null ? null : Info());

    public async Task DeleteAsync(bool keepInstances)
    {
        RequireSpec();
        RefuseWhileActive();
        var spec = state.State.Spec!;
        var routeKey = spec.RouteKey;
        if (!keepInstances)
        {
            // As Retire does, for both colours: what nobody owns any more must not keep running (a colour kept warm too).
            var fleet = Fleet(spec);
            try
            {
                await Task.WhenAll(fleet.RetireAsync(Colour.Blue, CancellationToken.None), fleet.RetireAsync(Colour.Green, CancellationToken.None));
            }
            catch (Exception e) when (e is InstanceRuntimeException or IOException or UnauthorizedAccessException)
            {
                throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not deleted: its instances could not all be stopped ({e.Message}); retry, or delete with keep_instances.");
            }

            Log.InstancesStopped(logger, Name);
        }

        await state.ClearStateAsync();
        state.State = new ServiceState();
        await Catalog.SetServiceAsync(Name, false);
        await Catalog.ReleaseRouteKeyAsync(routeKey, Name);
        DeactivateOnIdle();
    }

    public async Task<ImmutableList<InstanceInfo>> ListInstancesAsync()
    {
        RequireSpec();
        var fleet = Fleet(state.State.Spec!);
        var colours = await Task.WhenAll(new[] { Colour.Blue, Colour.Green }.Select(colour => fleet.InstancesAsync(colour, VersionOf(colour), CancellationToken.None)));
        return [.. colours.SelectMany(c => c)];
    }

    /// <summary>What a colour runs: the version being deployed to it, else the one it last ran.</summary>
    private string? VersionOf(Colour colour) =>
        state.State.Active is { } active && active.Target == colour ? active.Version : state.State.Versions.GetValueOrDefault(colour);

    public Task<DeploymentRecord> ReleaseAsync(string version, DeploymentOptions options)
    {
        RequireSpec();
        if (!ServiceSpecValidator.IsValidVersion(version))
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"version: must be {FieldRules.Version.Description}.");
        }

        RefuseWhileActive();
        return StartAsync(DeploymentKind.Release, state.State.LiveColour.Other(), version, provision: true, options);
    }

    public Task<DeploymentRecord> PromoteAsync(DeploymentOptions options)
    {
        RequireSpec();
        RefuseWhileActive();
        var live = state.State.LiveColour;
        if (live == Colour.Blue)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' is already live on blue: promote moves a release from green back to blue.");
        }

        if (!state.State.Versions.TryGetValue(live, out var version))
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' has no released version on {live.Name()} to promote.");
        }

        return StartAsync(DeploymentKind.Promote, Colour.Blue, version, provision: true, options);
    }

    public Task<DeploymentRecord> RollbackAsync(DeploymentOptions options)
    {
        RequireSpec();
        RefuseWhileActive();
        var target = state.State.LiveColour.Other();
        if (!state.State.Versions.TryGetValue(target, out var version))
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' has no previous version on {target.Name()} to roll back to.");
        }

        // A colour kept warm still runs its version: switching back is then only a health check and a switch.
        return StartAsync(DeploymentKind.Rollback, target, version, provision: !state.State.Running.Contains(target), options);
    }

    public async Task<DeploymentRecord> AbortAsync()
    {
        RequireSpec();
        if (state.State.Active is not { } active)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' has no deployment in progress.");
        }

        var aborted = active with { AbortRequested = true, AbortRequestedBy = active.AbortRequestedBy ?? Actor.Current };
        state.State = state.State with { Active = aborted };
        await state.WriteStateAsync();
        EnsureLoop();
        return aborted;
    }

    public Task<DeploymentRecord?> GetDeploymentAsync(long id) =>
        Task.FromResult(state.State.Active?.Id == id ? state.State.Active : state.State.History.FirstOrDefault(d => d.Id == id));

    public Task<ImmutableList<DeploymentRecord>> ListDeploymentsAsync() =>
        Task.FromResult(state.State.Active is { } active ? state.State.History.Insert(0, active) : state.State.History);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Active is not null)
        {
            EnsureLoop();
        }
        else if (state.State.WarmUntil.IsEmpty && await this.GetReminder(Reminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        ScheduleWarmRetirement();
    }

    private async Task<DeploymentRecord> StartAsync(DeploymentKind kind, Colour target, string version, bool provision, DeploymentOptions overrides)
    {
        var spec = state.State.Spec!;
        var resolved = Resolve(spec, overrides);
        var engine = new DeploymentEngine(Fleet(spec), time, options.Value.ConfirmWindow);
        var record = engine.Create(state.State.NextId, Name, kind, state.State.LiveColour, target, version, provision, resolved);
        record = record with { TraceParent = _trace.Start(record), RequestedBy = Actor.Current };
        state.State = state.State with { Active = record, NextId = state.State.NextId + 1, WarmUntil = state.State.WarmUntil.Remove(target) };
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await Catalog.SetActiveAsync(Name, true);
        Log.Started(logger, Name, record.ToString());
        EnsureLoop();
        return record;
    }

    private static ResolvedOptions Resolve(ServiceSpec spec, DeploymentOptions o)
    {
        var errors = new List<string>();
        var resolved = new ResolvedOptions(
            o.HealthTimeout ?? spec.HealthTimeout,
            o.DrainTimeout ?? spec.DrainTimeout,
            o.KeepWarm ?? spec.KeepWarm,
            o.VerifyWindow ?? spec.VerifyWindow,
            spec.MaxErrorRatio,
            spec.StopTimeout);
        ServiceSpecValidator.Duration(errors, "health_timeout", resolved.HealthTimeout, FieldRules.HealthTimeout);
        ServiceSpecValidator.Duration(errors, "drain_timeout", resolved.DrainTimeout, FieldRules.DrainTimeout);
        ServiceSpecValidator.Duration(errors, "keep_warm", resolved.KeepWarm, FieldRules.KeepWarm);
        ServiceSpecValidator.Duration(errors, "verify_window", resolved.VerifyWindow, FieldRules.VerifyWindow);
        return errors.Count > 0 ? throw new BlueGreenException(ErrorCode.InvalidArgument, string.Join(" ", errors)) : resolved;
    }

    private void EnsureLoop()
    {
        if (_loop is null || _loop.IsCompleted)
        {
            _loop = RunLoopAsync();
        }
    }

    /// <summary>Advances the active deployment until it ends. Runs on the grain's scheduler, between its turns.</summary>
    private async Task RunLoopAsync()
    {
        await Task.Yield();
        while (state.State.Active is { IsFinished: false } current && state.State.Spec is { } spec)
        {
            var engine = new DeploymentEngine(Fleet(spec), time, options.Value.ConfirmWindow);
            DeploymentRecord next;
            try
            {
                if (current.Step != _observedStep)
                {
                    _observedStep = current.Step;
                    _trace.StepStarting(current);
                    foreach (var observer in observers)
                    {
                        await observer.OnStepStartingAsync(current);
                    }
                }

                // What the step does (switch spans per proxy) is traced under the step. The loop's own flow: no caller sees it.
                Activity.Current = _trace.Step;
                next = await engine.AdvanceAsync(current);
            }
            catch (Exception e)
            {
                Log.StepFailed(logger, Name, current.ToString(), e);
                await Task.Delay(options.Value.PollInterval * 10, time);
                continue;
            }

            // Abort may have been requested while the step awaited I/O.
            if (state.State.Active is { AbortRequested: true } asked && !next.AbortRequested)
            {
                next = next with { AbortRequested = true, AbortRequestedBy = asked.AbortRequestedBy };
            }

            if (next.IsFinished)
            {
                // Into the history with the live colour updated in this same turn (CompleteAsync changes the state before
                // its first await, and persists it): no caller sees the deployment finished while the service still
                // looks as it was before it, and a command sent the moment a watcher hears "finished" is not refused.
                // The trace ends first: a deployment started during CompleteAsync's awaits starts a trace of its own.
                _observedStep = null;
                _trace.StepEnded(current, next);
                await CompleteAsync(next);
                foreach (var observer in observers)
                {
                    await observer.OnFinishedAsync(next);
                }

                // Grain calls interleave with this loop at its awaits: a deployment started while CompleteAsync awaited
                // found this loop still running (EnsureLoop started none), so go on with it rather than leave it idle.
                continue;
            }

            var moved = next.Step != current.Step;
            state.State = state.State with { Active = next };
            if (moved || next.Events.Count != current.Events.Count || next.AbortRequested != current.AbortRequested)
            {
                await state.WriteStateAsync();
            }

            if (moved)
            {
                _trace.StepEnded(current, next);
            }

            if (!moved)
            {
                await Task.Delay(options.Value.PollInterval, time);
            }
        }
    }

    private async Task CompleteAsync(DeploymentRecord d)
    {
        var s = state.State;
        var running = s.Running;
        var warm = s.WarmUntil;
        if (d.ProvisionTarget || d.Outcome == DeploymentOutcome.Succeeded)
        {
            running = running.Add(d.Target);
        }

        if (d.Retired)
        {
            running = running.Remove(d.RetireColour);
        }

        var live = s.LiveColour;
        var versions = s.Versions;
        if (d.ProvisionTarget && running.Contains(d.Target))
        {
            // The target was (re)started with this version and still runs (a revert or its retirement failed): the
            // record says what runs, so a later rollback to it is "of" this version.
            versions = versions.SetItem(d.Target, d.Version);
        }

        if (d.Outcome == DeploymentOutcome.Succeeded)
        {
            live = d.Target;
            versions = versions.SetItem(d.Target, d.Version);
            if (!d.Retired && running.Contains(d.From) && d.From != d.Target)
            {
                warm = warm.SetItem(d.From, time.GetUtcNow() + d.Options.KeepWarm);
            }
        }

        var history = s.History.Insert(0, d);
        state.State = s with
        {
            Active = null,
            LiveColour = live,
            Versions = versions,
            Running = running,
            WarmUntil = warm,
            History = history.Count > options.Value.HistoryLimit ? history.RemoveRange(options.Value.HistoryLimit, history.Count - options.Value.HistoryLimit) : history,
        };
        await state.WriteStateAsync();
        await Catalog.SetActiveAsync(Name, false);
        Log.Finished(logger, Name, d.ToString(), d.Error ?? string.Empty);
        if (warm.IsEmpty && state.State.Active is null && await this.GetReminder(Reminder) is { } reminder && state.State.Active is null)
        {
            await this.UnregisterReminder(reminder);
        }

        if (state.State.Active is not null)
        {
            // The next deployment started during the awaits above: it keeps its reminder (crash resume) and its mark in
            // the catalog, whichever of its writes and ours landed last.
            await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            await Catalog.SetActiveAsync(Name, true);
        }

        ScheduleWarmRetirement();
    }

    /// <summary>Retires colours kept warm once their time is up (never the live colour, never during a deployment).</summary>
    private void ScheduleWarmRetirement()
    {
        _warmTimer?.Dispose();
        _warmTimer = null;
        if (state.State.WarmUntil.IsEmpty)
        {
            return;
        }

        var due = state.State.WarmUntil.Values.Min() - time.GetUtcNow();
        _warmTimer = this.RegisterGrainTimer(RetireWarmAsync, new GrainTimerCreationOptions(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan));
    }

    private async Task RetireWarmAsync(CancellationToken cancellationToken)
    {
        if (state.State.Active is not null || state.State.Spec is not { } spec)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (colour, _) in state.State.WarmUntil.Where(w => w.Value <= now).ToList())
        {
            if (colour != state.State.LiveColour)
            {
                await Fleet(spec).RetireAsync(colour, cancellationToken);
                state.State = state.State with { Running = state.State.Running.Remove(colour) };
                Log.WarmRetired(logger, Name, colour.Name());
            }

            state.State = state.State with { WarmUntil = state.State.WarmUntil.Remove(colour) };
            await state.WriteStateAsync(cancellationToken);
        }

        ScheduleWarmRetirement();
    }

    private ServiceInfo Info() => new()
    {
        Spec = state.State.Spec!,
        LiveColour = state.State.LiveColour,
        Versions = state.State.Versions,
        Running = state.State.Running,
        WarmUntil = state.State.WarmUntil,
        ActiveDeployment = state.State.Active,
        LastDeployment = state.State.History.FirstOrDefault(),
        Applied = state.State.Applied,
    };

    /// <summary>
    /// Refuses, before anything is saved, a spec some proxy cannot serve: its map not loaded, a backend or a server of the
    /// spec missing from its configuration, or the proxy unreachable. The message names each proxy and what it lacks.
    /// </summary>
    private async Task RefuseUnservableAsync(ServiceSpec spec)
    {
        var backends = new[] { Colour.Blue, Colour.Green }.ToImmutableDictionary(
            c => c.Backend(spec.Name),
            c => (c == Colour.Blue ? spec.Blue : spec.Green).Instances.Select(i => i.Server).ToImmutableList());
        var checks = await Task.WhenAll(spec.Proxies.Select(async p => (Proxy: p, Problems: await GrainFactory.GetGrain<IProxyGrain>(p).CheckServiceAsync(backends))));
        if (checks.Where(c => c.Problems.Count > 0).Select(c => $"{c.Proxy}: {string.Join("; ", c.Problems)}").ToList() is { Count: > 0 } problems)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' cannot be served as specified, nothing was saved. {string.Join(". ", problems)}.");
        }
    }

    /// <summary>Blue runs <paramref name="version"/> already: its runtime takes its instances over, or nothing is saved.</summary>
    private async Task AdoptAsync(ServiceSpec spec, string version)
    {
        try
        {
            await Fleet(spec).AdoptAsync(Colour.Blue, version, CancellationToken.None);
        }
        catch (Exception e) when (e is InstanceRuntimeException or IOException or UnauthorizedAccessException)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved: blue {version} cannot be adopted. {e.Message}");
        }
    }

    /// <summary>The fleet a deployment step of <paramref name="spec"/> acts on: its proxies and its instance runtimes.</summary>
    private FleetEnvironment Fleet(ServiceSpec spec) => new(GrainFactory, runtimes, spec, time);

    private void RequireSpec()
    {
        if (state.State.Spec is null)
        {
            throw new BlueGreenException(ErrorCode.NotFound, $"service '{Name}' does not exist.");
        }
    }

    private void RefuseWhileActive()
    {
        if (state.State.Active is { } active)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}': deployment {active.Id} ({active.Kind} to {active.Target.Name()} {active.Version}, step {active.Step}) is in progress.");
        }
    }

    private static async Task IgnoreFailureAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (BlueGreenException)
        {
        }
    }
}
