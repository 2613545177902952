using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Grains.Hooks;
using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.Grains.Telemetry;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>
/// One service. Its turns serialize every command for the service; one deployment at a time advances one step per
/// turn of a non-interleaving timer, persisting after every step: a step that moved on is followed at once; a waiting
/// step (health, drain, verify) is stepped again when a proxy reports a change of the backend it waits on
/// (<see cref="BackendChangedAsync"/>), at its next deadline, or after <see cref="DeploymentLoopOptions.WaitInterval"/>,
/// whichever comes first. After a crash the deployment resumes on activation (the startup task, a reminder or any call
/// activates the grain).
/// </summary>
internal sealed partial class ServiceGrain(
    [PersistentState("service", BlueGreenStorage.Name)] IPersistentState<ServiceState> state,
    IInstanceRuntimeProvider runtimes,
    TimeProvider time,
    IOptions<DeploymentLoopOptions> options,
    IOptions<InstanceRuntimeOptions> runtimeOptions,
    IEnumerable<IDeploymentObserver> observers,
    BlueGreenTelemetry telemetry,
    HookCaller hooks,
    ILogger<ServiceGrain> logger) : Grain, IServiceGrain, IRemindable, IDisposable
{
    private const string Reminder = "service-deployment";

    /// <summary>The longest wait between two retries of a step that failed.</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly DeploymentTrace _trace = new(telemetry);
    private readonly SemaphoreSlim _writes = new(1, 1);

    // One per activation: the engine is new each step, the monotonic anchors of the deployment's deadlines are not.
    private readonly DeploymentClock _clock = new(time);

    /// <summary>Each warm colour's end as this activation anchored it (see <see cref="WarmLeft"/>).</summary>
    private readonly Dictionary<Colour, (DateTimeOffset Until, long Timestamp, TimeSpan Left)> _warmAnchors = [];
    private IGrainTimer? _stepTimer;

    /// <summary>A proxy reported a change while a step ran: the next step runs soon (<see cref="WakeDelay"/>).</summary>
    private bool _woken;

    /// <summary>When the last step ended (monotonic timestamp; 0: none yet in this activation).</summary>
    private long _lastStepEnded;

    /// <summary>Consecutive failures of the current step: the retry waits longer after each (capped).</summary>
    private int _failures;

    /// <summary>Cancelled by an abort accepted while the step runs (null between steps).</summary>
    private CancellationTokenSource? _stepAbort;
    private bool _tracked;
    private DeploymentStep? _observedStep;
    private IGrainTimer? _warmTimer;

    /// <summary>The last route version issued (see <see cref="NextRouteVersion"/>).</summary>
    private long _routeVersion;

    /// <summary>
    /// The state as storage last acknowledged it. Reads answer from it, not from <c>state.State</c>: a read interleaves
    /// with the steps' writes, and must never show a change (a deployment finished, say) that a failing write takes back.
    /// </summary>
    private ServiceState _published = new();

    private string Name => this.GetPrimaryKeyString();

    private ICatalogGrain Catalog => GrainFactory.GetCatalogGrain();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _published = state.State;
        if (state.State.Active is not null)
        {
            Log.Resuming(logger, Name, state.State.Active.ToString());
            ScheduleStep(TimeSpan.Zero);
        }

        ScheduleWarmRetirement();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A step is a turn: the one under way has ended and persisted before deactivation runs. The next activation
        // resumes from the record, as after a crash.
        _stepTimer?.Dispose();
        _stepTimer = null;
        _trace.Abandon();
        return Task.CompletedTask;
    }

    public void Dispose() => _writes.Dispose();

    public async Task<ServiceInfo> ApplyAsync(ServiceSpec spec, bool adoptServed = false)
    {
        var errors = ServiceSpecValidator.Validate(spec, runtimeOptions.Value).ToList();
        if (spec.Name != Name)
        {
            errors.Add($"name: '{spec.Name}' does not match the service '{Name}'.");
        }

        if (errors.Count == 0)
        {
            errors.AddRange(hooks.Problems(spec));
        }

        if (errors.Count > 0)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, string.Join(" ", errors));
        }

        RefuseWhileActive();
        if (state.State.Maintenance is not null && state.State.Spec is { } current && current.RouteKey != spec.RouteKey)
        {
            // The page's message is kept under the route key (MaintenancePage.MessageKey); moving both while the page
            // answers would show the default message on some proxies for a while, for no gain.
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved: it is in maintenance, and its route key cannot change ('{current.RouteKey}' to '{spec.RouteKey}') until maintenance is off ('bluegreen maintenance off {Name}').");
        }

        var registrations = await Task.WhenAll(spec.Proxies.Select(async p => (Id: p, Registration: await GrainFactory.GetGrain<IProxyGrain>(p).GetRegistrationAsync())));
        if (registrations.Where(r => r.Registration is null).Select(r => r.Id).ToList() is { Count: > 0 } unknown)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"proxies: not registered: {string.Join(", ", unknown)}.");
        }

        await RefuseUnservableAsync(spec);
        var previous = state.State.Spec;

        // A first apply takes the colour the proxies serve already (a store wiped under a running fleet, say): the
        // route is never flipped to a colour nobody chose. A re-apply keeps the recorded colour only where the proxies
        // serve it too (a record restored from an old backup would flip live traffic back).
        var live = previous is null ? await ServedColourAsync(spec) : await KeptColourAsync(previous, spec, adoptServed);
        var orphaned = previous is null ? [] : Orphaned(previous, spec);
        if (orphaned.FirstOrDefault(o => o.Colour == live) is { } serving)
        {
            // Stopping them would be an outage, leaving them would leave instances nobody owns serving traffic.
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved: {live.Name()} is live and this spec {serving.Reason}, which would leave {string.Join(", ", serving.Instances)} running outside it; change {live.Other().Name()} and release to it first, then change {live.Name()}.");
        }

        if (previous is null && spec.LiveVersion is { } version)
        {
            await AdoptAsync(spec, live, version);
        }

        if (await Catalog.ClaimRouteKeyAsync(spec.RouteKey, Name) is { } owner)
        {
            // Two services on one key would take each other's traffic at every switch.
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"route_key: '{spec.RouteKey}' is the route key of service '{owner}'; a route key routes to one service only.");
        }

        var saved = state.State;
        try
        {
            // Stopped through the spec that started them, before the spec that no longer names them is saved.
            foreach (var orphan in orphaned)
            {
                await RetireOrphansAsync(previous!, orphan);
            }

            var stopped = orphaned.Select(o => o.Colour).ToList();
            state.State = state.State with
            {
                Spec = spec,
                Applied = Actor.Stamp(time),
                Running = state.State.Running.Except(stopped),
                WarmUntil = state.State.WarmUntil.RemoveRange(stopped),
            };
            if (previous is not null && live != saved.LiveColour)
            {
                // Adopted as served: traffic goes to it, so it runs (and a spec orphaning it is refused from now on).
                state.State = state.State with { Running = state.State.Running.Add(live) };
            }

            state.State = state.State with { LiveColour = live };
            if (previous is null)
            {
                if (spec.LiveVersion is { } adopted)
                {
                    // Adopt what already runs: the live colour runs that version.
                    state.State = state.State with { Versions = state.State.Versions.SetItem(live, adopted), Running = state.State.Running.Add(live) };
                }
            }

            await PersistForCallerAsync(saved);
        }
        catch
        {
            if (previous?.RouteKey != spec.RouteKey)
            {
                await Catalog.ReleaseRouteKeyAsync(spec.RouteKey, Name);
            }

            throw;
        }

        if (orphaned.Count > 0)
        {
            ScheduleWarmRetirement();
        }

        await Catalog.SetServiceAsync(Name, true);
        var unremoved = new List<string>();
        if (previous is not null)
        {
            if (previous.RouteKey != spec.RouteKey)
            {
                await Catalog.ReleaseRouteKeyAsync(previous.RouteKey, Name);
            }

            // Every proxy that no longer routes this service must not keep (and its monitor re-assert) the old route:
            // the old key on every proxy after a key change, the key on the proxies dropped from the spec.
            var stale = previous.RouteKey != spec.RouteKey ? previous.Proxies : previous.Proxies.Except(spec.Proxies, StringComparer.Ordinal);
            unremoved.AddRange((await Task.WhenAll(stale.Select(p => RemoveRouteAsync(p, previous.RouteKey)))).OfType<string>());
            if (state.State.Maintenance is not null)
            {
                // The message too, from the proxies that no longer serve the service.
                var dropped = previous.Proxies.Except(spec.Proxies, StringComparer.Ordinal);
                unremoved.AddRange((await Task.WhenAll(dropped.Select(p => RemoveRouteAsync(p, MaintenancePage.MessageKey(spec.RouteKey))))).OfType<string>());
            }
        }

        // Every proxy routes the key to the live colour (the maintenance page while in maintenance, with its message);
        // a proxy added to the spec gets the route now.
        var fleet = Fleet(spec);
        var results = state.State.Maintenance is { } maintenance
            ? [.. await fleet.ApplyRouteAsync(MaintenancePage.MessageKey(spec.RouteKey), MaintenancePage.Encode(maintenance.Message ?? MaintenancePage.DefaultMessage)), .. await fleet.ApplyRouteAsync(spec.RouteKey, RoutedBackend(spec))]
            : await fleet.ApplyRouteAsync(state.State.LiveColour);
        var failed = Failures(results);
        if (failed.Count > 0 || unremoved.Count > 0)
        {
            var problems = new List<string>();
            if (failed.Count > 0)
            {
                problems.Add($"the route could not be set on: {string.Join("; ", failed)}");
            }

            if (unremoved.Count > 0)
            {
                problems.Add($"the route of '{previous!.RouteKey}' could not be removed from: {string.Join("; ", unremoved)}");
            }

            throw new BlueGreenException(ErrorCode.Unavailable, $"spec saved, but {string.Join("; and ", problems)}");
        }

        return Info();
    }

    public Task<ServiceInfo?> GetAsync() => Task.FromResult(_published.Spec is null ? null : Info());

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

        try
        {
            await state.ClearStateAsync();
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            throw StorageFailed(e);
        }

        state.State = new ServiceState();
        _published = state.State;
        await Catalog.SetServiceAsync(Name, false);
        await Catalog.ReleaseRouteKeyAsync(routeKey, Name);
        await Catalog.ReleaseRouteKeyAsync(MaintenancePage.MessageKey(routeKey), Name);
        await Catalog.ReleaseRouteKeyAsync(PreviewRoute.Key(routeKey), Name);
        await Catalog.ReleaseRouteKeyAsync(CanaryRoute.Key(routeKey), Name);
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
        RefuseInMaintenance("release");
        return StartAsync(DeploymentKind.Release, state.State.LiveColour.Other(), version, provision: true, options);
    }

    public Task<DeploymentRecord> PromoteAsync(DeploymentOptions options)
    {
        RequireSpec();
        RefuseWhileActive();
        RefuseInMaintenance("promote");
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
        RefuseInMaintenance("rollback");
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

        if (_published.Active?.Id != active.Id)
        {
            // Interleaved with the command that starts it, before storage has it: that command may still fail.
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}': deployment {active.Id} is being started; retry.");
        }

        if (active.AbortRequested && active.PendingOutcome == DeploymentOutcome.Aborted)
        {
            // Asked again: the first request is being carried out.
            return active;
        }

        if (!DeploymentEngine.CanAbort(active))
        {
            // Too late to change how it ends: a record saying "abort requested" that nothing honours would mislead.
            throw new BlueGreenException(
                ErrorCode.FailedPrecondition,
                $"deployment {active.Id} of service '{Name}' can no longer be aborted: it is at step {active.Step}, ending as {active.PendingOutcome}.");
        }

        var aborted = active with { AbortRequested = true, AbortRequestedBy = active.AbortRequestedBy ?? Actor.Current };
        var saved = state.State;
        state.State = state.State with { Active = aborted };
        await PersistForCallerAsync(saved);

        // Marked, not carried out here: the step under way is cut where it can be (starting instances, or waiting), keeps
        // the mark in its result otherwise, and the next step honours it, now.
        _failures = 0;
        _stepAbort?.Cancel();
        ScheduleStep(TimeSpan.Zero);
        return aborted;
    }

    public Task<DeploymentRecord?> GetDeploymentAsync(long id) =>
        Task.FromResult(_published.Active?.Id == id ? _published.Active : _published.History.FirstOrDefault(d => d.Id == id));

    public Task<ImmutableList<DeploymentRecord>> ListDeploymentsAsync() =>
        Task.FromResult(_published.Active is { } active ? _published.History.Insert(0, active) : _published.History);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Active is not null)
        {
            // One step now, whatever was scheduled: a step is idempotent, and no deployment waits longer than this.
            ScheduleStep(TimeSpan.Zero);
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
        var canary = await PrepareCanaryAsync(kind, overrides);
        var previewClaimed = await PrepareHoldAsync(kind, overrides);
        var engine = new DeploymentEngine(Fleet(spec), time, options.Value.ConfirmWindow, _clock);
        var record = engine.Create(state.State.NextId, Name, kind, state.State.LiveColour, target, version, provision, resolved);
        record = record with { TraceParent = _trace.Start(record), RequestedBy = Actor.Current, FromVersion = state.State.Versions.GetValueOrDefault(state.State.LiveColour), Hold = overrides.Hold, AutoApproveAfter = overrides.Hold ? overrides.AutoApproveAfter : null };
        if (canary is { } c)
        {
            record = record with { Canary = c.Steps, CanaryStepInterval = c.Interval };
        }

        var saved = state.State;
        state.State = state.State with { Active = record, NextId = state.State.NextId + 1, WarmUntil = state.State.WarmUntil.Remove(target) };
        try
        {
            // Persisted first: a failed write leaves nothing started (memory as before, no step scheduled, no reminder).
            await PersistForCallerAsync(saved);
        }
        catch
        {
            _trace.Abandon();
            if (previewClaimed)
            {
                await Catalog.ReleaseRouteKeyAsync(PreviewRoute.Key(spec.RouteKey), Name);
            }

            if (canary is not null)
            {
                await Catalog.ReleaseRouteKeyAsync(CanaryRoute.Key(spec.RouteKey), Name);
            }

            throw;
        }

        // The deployment is saved, so it runs and the caller hears so. The reminder (crash resume) is set before the
        // caller hears; the catalog's mark (a faster resume at startup) by the first step, off the caller's path: the
        // catalog is one grain for the cluster. Each is retried by the steps until set; a failure is logged, never the
        // caller's error.
        _tracked = false;
        _failures = 0;
        Log.Started(logger, Name, record.ToString());
        ScheduleStep(TimeSpan.Zero);
        try
        {
            await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            Log.TrackingFailed(logger, Name, e);
        }

        return record;
    }

    /// <summary>Registers the reminder and the catalog's mark of the active deployment, once per deployment; a failure is retried by the next step.</summary>
    private async Task TrackActiveAsync()
    {
        if (_tracked || state.State.Active is null)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            await Catalog.SetActiveAsync(Name, true);
            _tracked = true;
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            Log.TrackingFailed(logger, Name, e);
        }
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
            spec.StopTimeout,
            spec.MaxResponseTime,
            spec.MaxServerErrorRatio);
        ServiceSpecValidator.Duration(errors, "health_timeout", resolved.HealthTimeout, FieldRules.HealthTimeout);
        ServiceSpecValidator.Duration(errors, "drain_timeout", resolved.DrainTimeout, FieldRules.DrainTimeout);
        ServiceSpecValidator.Duration(errors, "keep_warm", resolved.KeepWarm, FieldRules.KeepWarm);
        ServiceSpecValidator.Duration(errors, "verify_window", resolved.VerifyWindow, FieldRules.VerifyWindow);
        return errors.Count > 0 ? throw new BlueGreenException(ErrorCode.InvalidArgument, string.Join(" ", errors)) : resolved;
    }

    public Task BackendChangedAsync(string proxy, string backend)
    {
        if (state.State.Active is { IsFinished: false })
        {
            // Interleaved with a step under way: that step's turn then schedules the next.
            _woken = true;
            ScheduleStep(WakeDelay());
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs the next step after <paramref name="due"/> (a change made while a step runs applies once it ends).</summary>
    private void ScheduleStep(TimeSpan due)
    {
        if (_stepTimer is null)
        {
            _stepTimer = NewStepTimer(due);
        }
        else
        {
            _stepTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// The deployment's timer: one tick, one step, one turn. Not interleaved with any command of the service (one writer
    /// of its state); kept alive, so a waiting deployment keeps its activation (the reminder brings it back after a crash).
    /// </summary>
    private IGrainTimer NewStepTimer(TimeSpan due) =>
        this.RegisterGrainTimer(StepTurnAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });

    /// <summary>One step of the active deployment, then when the next one runs.</summary>
    private async Task StepTurnAsync(CancellationToken cancellationToken)
    {
        _woken = false;
        if (state.State.Active is not { IsFinished: false } current || state.State.Spec is not { } spec)
        {
            return;
        }

        using var abort = new CancellationTokenSource();
        _stepAbort = abort;
        TimeSpan? next;
        try
        {
            next = await TryStepAsync(current, spec, abort);
        }
        finally
        {
            _stepAbort = null;
        }

        _lastStepEnded = time.GetTimestamp();
        if (next is { } due && state.State.Active is not null)
        {
            ScheduleStep(_woken && due > TimeSpan.Zero ? WakeDelay() : due);
        }
    }

    /// <summary>One step; when the next one runs, or null when this activation must not run another.</summary>
    private async Task<TimeSpan?> TryStepAsync(DeploymentRecord current, ServiceSpec spec, CancellationTokenSource abort)
    {
        try
        {
            await TrackActiveAsync();
            var next = await StepAsync(current, spec, abort.Token);
            _failures = 0;
            return next;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // An abort was accepted (and stored) while the step ran: the next step carries it out, now.
            return TimeSpan.Zero;
        }
        catch (InconsistentStateException e)
        {
            // Storage holds a newer record than this activation read (another activation wrote it): this copy is
            // stale, and every write of it would fail again. The next activation re-reads the record and resumes.
            Log.StaleState(logger, Name, current.ToString(), e);
            DeactivateOnIdle();
            return null;
        }
        catch (Exception e)
        {
            // A step, or a write of its result, failed; the state is what storage holds. The step runs again from the
            // persisted record, as after a crash, each retry waiting twice as long as the one before (capped).
            _failures++;
            var retry = RetryDelay(_failures);
            Log.StepFailed(logger, Name, current.ToString(), e);
            await RecordFailureAsync(current, e, retry);
            return retry;
        }
    }

    /// <summary>
    /// When a step woken by a proxy's report runs: at once, unless a step ended less than a poll interval ago. A backend
    /// under load changes at every read of every proxy; its waiting deployment steps at most once per poll interval.
    /// </summary>
    private TimeSpan WakeDelay()
    {
        var since = time.GetElapsedTime(_lastStepEnded);
        var poll = options.Value.PollInterval;
        return _lastStepEnded == 0 || since >= poll ? TimeSpan.Zero : poll - since;
    }

    private TimeSpan RetryDelay(int failures)
    {
        var first = options.Value.PollInterval * 10;
        var delay = first * Math.Pow(2, Math.Min(failures - 1, 16));
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    /// <summary>The failure as an event of the record, so that whoever watches the deployment sees why it does not move (best effort).</summary>
    private async Task RecordFailureAsync(DeploymentRecord current, Exception e, TimeSpan retry)
    {
        if (state.State.Active is not { } active || active.Id != current.Id || state.State.Spec is not { } spec)
        {
            return;
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"step {active.Step} failed (attempt {_failures}): {e.Message.Split('\n', 2)[0].Trim()}; retrying in {retry.TotalSeconds:0.#} s");
        var saved = state.State;
        state.State = state.State with { Active = Engine(spec).Note(active, message) };
        try
        {
            await PersistAsync(saved);
        }
        catch (InconsistentStateException stale)
        {
            // Another activation wrote the record: as for a step, the next activation re-reads it and resumes.
            Log.StaleState(logger, Name, active.ToString(), stale);
            DeactivateOnIdle();
        }
        catch (Exception write)
        {
            // Storage is what failed: the log has both.
            Log.StepFailed(logger, Name, active.ToString(), write);
        }
    }

    /// <summary>The engine over the service's fleet, reading proxies as a watcher of what it reads.</summary>
    private DeploymentEngine Engine(ServiceSpec spec) =>
        new(new FleetEnvironment(GrainFactory, runtimes, spec, time, NextRouteVersion, this.AsReference<IBackendWatcher>(), hooks), time, options.Value.ConfirmWindow, _clock);

    /// <summary>Runs the current step once and persists what changed; returns how long until the next step.</summary>
    private async Task<TimeSpan> StepAsync(DeploymentRecord current, ServiceSpec spec, CancellationToken cancellationToken)
    {
        if (current.Step != _observedStep)
        {
            _observedStep = current.Step;
            _trace.StepStarting(current);
            foreach (var observer in observers)
            {
                await observer.OnStepStartingAsync(current, cancellationToken);
            }
        }

        // What the step does (switch spans per proxy) is traced under the step. The step timer's own flow: no caller sees it.
        Activity.Current = _trace.Step;
        // Not cut by a deactivation: a step under way ends and persists its result. An accepted abort cuts what the
        // engine lets it cut (starting instances; never a switch, whose fan-out takes no token).
        var engine = Engine(spec);
        var next = await engine.AdvanceAsync(current, cancellationToken);

        // Abort (interleaved) may have marked the record while the step awaited I/O.
        if (state.State.Active is { AbortRequested: true } asked && !next.AbortRequested)
        {
            next = next with { AbortRequested = true, AbortRequestedBy = asked.AbortRequestedBy };
        }

        if (next.IsFinished)
        {
            // Into the history with the live colour updated in this same turn: no caller sees the deployment finished
            // while the service still looks as it was before it, and a command sent the moment a watcher hears
            // "finished" is not refused. No command interleaves with this turn, so none starts a deployment meanwhile.
            _observedStep = null;
            _trace.StepEnded(current, next);
            await CompleteAsync(next);
            foreach (var observer in observers)
            {
                await observer.OnFinishedAsync(next);
            }

            return TimeSpan.Zero;
        }

        var moved = next.Step != current.Step;
        var saved = state.State;
        state.State = state.State with { Active = next };
        if (moved || next.Events.Count != current.Events.Count || next.AbortRequested != current.AbortRequested)
        {
            await PersistAsync(saved);
        }
        else if (_published.Active is { } shown && shown.Id == next.Id && shown.Step == next.Step)
        {
            // Progress within the persisted step (health, sessions left): shown as it is read, never stored (a resumed
            // step reads it again), and it changes neither the step nor the outcome a caller sees.
            _published = _published with { Active = next };
        }

        if (moved)
        {
            _trace.StepEnded(current, next);
            return TimeSpan.Zero;
        }

        if (next.StepDeadline != current.StepDeadline)
        {
            // A step that ends in two turns (the target confirmed before the old colour stops): the second one now.
            return TimeSpan.Zero;
        }

        // Waiting: a proxy's report of a change wakes it sooner (BackendChangedAsync).
        var wait = options.Value.WaitInterval;
        return engine.TimeToNextCheck(next) is { } due && due < wait ? due : wait;
    }

    private async Task CompleteAsync(DeploymentRecord d)
    {
        var saved = state.State;
        state.State = ServiceCompletion.Complete(saved, d, time.GetUtcNow(), options.Value.HistoryLimit);

        // Until this write lands, callers see the deployment at its last persisted step, never an outcome storage lacks.
        await PersistAsync(saved);
        Log.Finished(logger, Name, d.ToString(), d.Error ?? string.Empty);
        try
        {
            await ReleaseStrategyKeysAsync(d);
            await Catalog.SetActiveAsync(Name, false);
            if (state.State.WarmUntil.IsEmpty && await this.GetReminder(Reminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            // The outcome is saved; a mark left in the catalog only wakes the grain at the next start, a reminder only ticks.
            Log.TrackingFailed(logger, Name, e);
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

        var due = state.State.WarmUntil.Min(w => WarmLeft(w.Key, w.Value));
        _warmTimer = this.RegisterGrainTimer(RetireWarmAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
    }

    /// <summary>
    /// How long the colour stays warm, on the monotonic clock: <paramref name="until"/> (wall clock, kept for display and
    /// for a new activation) is read once per activation and anchored, so a step of the wall clock afterwards neither
    /// retires it early nor keeps it for an hour more.
    /// </summary>
    private TimeSpan WarmLeft(Colour colour, DateTimeOffset until)
    {
        if (!_warmAnchors.TryGetValue(colour, out var anchor) || anchor.Until != until)
        {
            var left = until - time.GetUtcNow();
            anchor = (until, time.GetTimestamp(), left < TimeSpan.Zero ? TimeSpan.Zero : left);
            _warmAnchors[colour] = anchor;
        }

        var remaining = anchor.Left - time.GetElapsedTime(anchor.Timestamp);
        return remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining;
    }

    private async Task RetireWarmAsync(CancellationToken cancellationToken)
    {
        if (state.State.Active is not null || state.State.Spec is not { } spec)
        {
            return;
        }

        foreach (var (colour, _) in state.State.WarmUntil.Where(w => WarmLeft(w.Key, w.Value) == TimeSpan.Zero).ToList())
        {
            if (colour != state.State.LiveColour)
            {
                await Fleet(spec).RetireAsync(colour, cancellationToken);
                state.State = state.State with { Running = state.State.Running.Remove(colour) };
                Log.WarmRetired(logger, Name, colour.Name());
            }

            state.State = state.State with { WarmUntil = state.State.WarmUntil.Remove(colour) };
            await state.WriteStateAsync(cancellationToken);
            _published = state.State;
        }

        ScheduleWarmRetirement();
    }

    private ServiceInfo Info() => new()
    {
        Spec = _published.Spec!,
        LiveColour = _published.LiveColour,
        Versions = _published.Versions,
        Running = _published.Running,
        WarmUntil = _published.WarmUntil,
        ActiveDeployment = _published.Active,
        LastDeployment = _published.History.FirstOrDefault(),
        Applied = _published.Applied,
        Maintenance = _published.Maintenance,
        MaintenanceHistory = _published.MaintenanceHistory,
    };

    /// <summary>
    /// Refuses, before anything is saved, a spec some proxy cannot serve: its map not loaded, a backend or a server of the
    /// spec missing from its configuration, or the proxy unreachable. The message names each proxy and what it lacks.
    /// </summary>
    private async Task RefuseUnservableAsync(ServiceSpec spec)
    {
        var backends = new[] { Colour.Blue, Colour.Green }.ToImmutableDictionary(
            c => c.Backend(spec.Name),
            c => spec.For(c).Instances.Select(i => i.Server).ToImmutableList());
        if (state.State.Maintenance is not null)
        {
            // A proxy added while in maintenance must answer with the page as the others do.
            backends = backends.Add(MaintenancePage.Backend, []);
        }

        if (await ProxyProblemsAsync(spec, backends) is { Count: > 0 } problems)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' cannot be served as specified, nothing was saved. {string.Join(". ", problems)}.");
        }
    }

    /// <summary>What each proxy of the spec lacks for one backend, or for several with their servers (<see cref="IProxyGrain.CheckServiceAsync"/>), one entry per proxy lacking something.</summary>
    private Task<List<string>> ProxyProblemsAsync(ServiceSpec spec, string backend) =>
        ProxyProblemsAsync(spec, ImmutableDictionary<string, ImmutableList<string>>.Empty.Add(backend, []));

    /// <inheritdoc cref="ProxyProblemsAsync(ServiceSpec, string)"/>
    private async Task<List<string>> ProxyProblemsAsync(ServiceSpec spec, ImmutableDictionary<string, ImmutableList<string>> backends)
    {
        var checks = await Task.WhenAll(spec.Proxies.Select(async p => (Proxy: p, Problems: await GrainFactory.GetGrain<IProxyGrain>(p).CheckServiceAsync(backends))));
        return [.. checks.Where(c => c.Problems.Count > 0).Select(c => $"{c.Proxy}: {string.Join("; ", c.Problems)}")];
    }

    /// <summary>The live colour runs <paramref name="version"/> already: its runtime takes its instances over, or nothing is saved.</summary>
    private async Task AdoptAsync(ServiceSpec spec, Colour colour, string version)
    {
        try
        {
            await Fleet(spec).AdoptAsync(colour, version, CancellationToken.None);
        }
        catch (Exception e) when (e is InstanceRuntimeException or IOException or UnauthorizedAccessException)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved: {colour.Name()} {version} cannot be adopted. {e.Message}");
        }
    }

    /// <summary>
    /// The colour a proxy of <paramref name="spec"/> serves its route key from (<c>show map</c>), blue when none serves
    /// either colour. Proxies serving both colours are refused: which one is live is for the operator to say.
    /// </summary>
    private async Task<Colour> ServedColourAsync(ServiceSpec spec)
    {
        var backends = new[] { Colour.Blue, Colour.Green }.ToDictionary(c => c.Backend(spec.Name), c => c, StringComparer.Ordinal);
        var served = await Task.WhenAll(spec.Proxies.Select(async p =>
            (Proxy: p, Backend: await GrainFactory.GetGrain<IProxyGrain>(p).GetServedRouteAsync(spec.RouteKey))));
        var ours = served.Where(s => s.Backend is not null && backends.ContainsKey(s.Backend)).ToList();
        if (ours.Select(s => s.Backend).Distinct().Count() > 1)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved: its proxies serve '{spec.RouteKey}' from both colours ({string.Join(", ", ours.Select(s => $"{s.Proxy}: {s.Backend}"))}); route it to one colour on every proxy first.");
        }

        var colour = ours.Count > 0 ? backends[ours[0].Backend!] : Colour.Blue;
        if (colour != Colour.Blue)
        {
            Log.ServedColourTaken(logger, Name, colour.Name(), string.Join(", ", ours.Select(s => s.Proxy)));
        }

        return colour;
    }

    /// <summary>
    /// The live colour a re-apply keeps: the recorded one, unless the proxies that the record says route to it (those of
    /// the previous spec that stay in this one, under the previous route key) serve the key from the other colour
    /// (<c>show map</c>, read live). Then the apply is refused, nothing saved and no route changed, or with
    /// <paramref name="adoptServed"/> the served colour is recorded as live. Proxies serving both colours are refused
    /// either way. A proxy that does not answer, or has no route of this service under the key, says nothing.
    /// </summary>
    private async Task<Colour> KeptColourAsync(ServiceSpec previous, ServiceSpec spec, bool adoptServed)
    {
        var stored = state.State.LiveColour;
        var backends = new[] { Colour.Blue, Colour.Green }.ToDictionary(c => c.Backend(Name), c => c, StringComparer.Ordinal);
        var vouched = previous.Proxies.Intersect(spec.Proxies, StringComparer.Ordinal).ToList();
        var reads = await Task.WhenAll(vouched.Select(async p =>
        {
            try
            {
                return (Proxy: p, Backend: await GrainFactory.GetGrain<IProxyGrain>(p).GetServedRouteAsync(previous.RouteKey), Read: true);
            }
            catch (BlueGreenException e) when (e.Code == ErrorCode.Unavailable)
            {
                // Unknown is not agreement: its route is set (or fails to be) as it would be without this check.
                return (Proxy: p, Backend: null, Read: false);
            }
        }));
        var ours = reads.Where(r => r.Backend is not null && backends.ContainsKey(r.Backend)).ToList();
        var colours = ours.Select(r => backends[r.Backend!]).Distinct().ToList();
        if (colours.Count == 0 || (colours.Count == 1 && colours[0] == stored))
        {
            return stored;
        }

        var unread = reads.Where(r => !r.Read).Select(r => r.Proxy).ToList();
        var notRead = unread.Count > 0 ? $" ({string.Join(", ", unread)} not read: unreachable)" : string.Empty;
        if (colours.Count > 1)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved and no route was changed: its proxies serve '{previous.RouteKey}' from both colours ({string.Join(", ", ours.Select(r => $"{r.Proxy}: {r.Backend}"))}){notRead} while the record says {stored.Name()} is live; bring every proxy to one colour first (a release or a rollback switches them all), then apply again.");
        }

        var served = colours[0];
        var proxies = string.Join(", ", ours.Select(r => r.Proxy));
        if (!adoptServed)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved and no route was changed: {proxies} serve '{previous.RouteKey}' from {served.Name()} ({served.Backend(Name)}){notRead} while the record says {stored.Name()} is live (a record restored from an older backup?); apply with adopt_served (service apply --adopt-served) to record {served.Name()} as live, then roll back if {stored.Name()} should serve.");
        }

        Log.ServedColourAdopted(logger, Name, served.Name(), stored.Name(), proxies);
        return served;
    }

    /// <summary>
    /// The colours that run (per the record) instances <paramref name="spec"/> no longer names: a slot removed or renamed,
    /// or the colour moved to another runtime. Its runtime would never stop them again.
    /// </summary>
    private List<OrphanedInstances> Orphaned(ServiceSpec previous, ServiceSpec spec)
    {
        var orphaned = new List<OrphanedInstances>();
        foreach (var colour in new[] { Colour.Blue, Colour.Green }.Where(state.State.Running.Contains))
        {
            var (before, after) = (previous.For(colour), spec.For(colour));
            var moved = before.Runtime != after.Runtime || (before.Runtime == "docker" && before.DockerEndpoint != after.DockerEndpoint);
            var dropped = before.Instances.Where(slot => after.Instances.All(a => a.Server != slot.Server)).ToList();
            if (moved || dropped.Count > 0)
            {
                var reason = moved
                    ? $"moves {colour.Name()} from runtime {before.Runtime} to {after.Runtime}"
                    : $"drops {colour.Name()}'s instance slot(s) {string.Join(", ", dropped.Select(d => d.Server))}";
                var instances = (moved ? before.Instances.ToList() : dropped).Select(slot => InstanceSpecs.InstanceName(previous.Name, colour, slot)).ToList();
                orphaned.Add(new OrphanedInstances(colour, reason, instances));
            }
        }

        return orphaned;
    }

    /// <summary>Stops a colour that is not live whose instances a new spec orphans: all of it, so the record can say it no longer runs.</summary>
    private async Task RetireOrphansAsync(ServiceSpec previous, OrphanedInstances orphans)
    {
        var colour = orphans.Colour;
        try
        {
            await Fleet(previous).RetireAsync(colour, CancellationToken.None);
        }
        catch (Exception e) when (e is InstanceRuntimeException or IOException or UnauthorizedAccessException)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not saved: this spec {orphans.Reason}, and {colour.Name()}'s running instances could not be stopped ({e.Message}); retry.");
        }

        Log.OrphansStopped(logger, Name, colour.Name(), orphans.Reason);
    }

    /// <summary>Removes a route from a proxy; returns the failure (null when done, or when the proxy is no longer registered).</summary>
    private async Task<string?> RemoveRouteAsync(string proxy, string key)
    {
        try
        {
            await GrainFactory.GetGrain<IProxyGrain>(proxy).RemoveRouteAsync(key, NextRouteVersion());
            return null;
        }
        catch (BlueGreenException e) when (e.Code != ErrorCode.NotFound)
        {
            return $"{proxy}: {e.Message}";
        }
        catch (BlueGreenException)
        {
            return null;
        }
    }

    /// <summary>The fleet a deployment step of <paramref name="spec"/> acts on: its proxies and its instance runtimes.</summary>
    private FleetEnvironment Fleet(ServiceSpec spec) => new(GrainFactory, runtimes, spec, time, NextRouteVersion);

    /// <summary>
    /// A route version newer than any this service sent: past the last one, and not below the wall clock in microseconds,
    /// so that a new activation whose predecessor sent a version it never persisted (crash mid-switch) still issues a
    /// newer one. Kept in memory as well: a failed state write that restores the record must not hand one out twice.
    /// </summary>
    private long NextRouteVersion()
    {
        _routeVersion = Math.Max(Math.Max(_routeVersion, state.State.RouteVersion) + 1, time.GetUtcNow().ToUnixTimeMilliseconds() * 1000);
        state.State = state.State with { RouteVersion = _routeVersion };
        return _routeVersion;
    }

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

    /// <summary>
    /// Writes the state set in memory, and publishes it to reads once storage has it. When the write fails, memory goes
    /// back to <paramref name="saved"/> (unless a later turn changed it since): no caller sees a change storage does not hold.
    /// </summary>
    private async Task PersistAsync(ServiceState saved)
    {
        // One write at a time: Abort interleaves with a step, and each write must carry the ETag of the one before.
        await _writes.WaitAsync();
        var written = state.State;
        try
        {
            await state.WriteStateAsync();
            _published = written;
        }
        catch
        {
            if (ReferenceEquals(state.State, written))
            {
                state.State = saved;
            }

            throw;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// <see cref="PersistAsync"/> for a command: a storage failure is the caller's error, one line with its cause. An ETag
    /// conflict passes as it is, so Orleans deactivates this stale activation and the next one re-reads the state.
    /// </summary>
    private async Task PersistForCallerAsync(ServiceState saved)
    {
        try
        {
            await PersistAsync(saved);
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            throw StorageFailed(e);
        }
    }

    /// <summary>A storage failure as the caller sees it: its cause on one line (Orleans' own message carries a stack trace).</summary>
    private BlueGreenException StorageFailed(Exception e)
    {
        Log.StorageFailed(logger, Name, e);
        var cause = e is OrleansException { InnerException: { } inner } ? inner : e;
        var line = cause.Message.Split('\n', 2)[0].Trim();
        return new BlueGreenException(ErrorCode.StorageFailed, $"state storage failed: {line}; service '{Name}' is unchanged, retry once storage is back.");
    }
}
