using System.Globalization;
using BlueGreen.Orleans.Agent.Commands;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Snapshots;
using BlueGreen.Orleans.Agent.Watching;
using BlueGreen.Orleans.HaProxy.Runtime;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Agent;

/// <summary>
/// Everything the agent does to its HAProxy: no gRPC here, so it is tested against a real haproxy without a stream. Two
/// lanes, each one operation at a time on its own Runtime API connection: the routes (<see cref="RouteKeeper"/>, with
/// its own client: a server's version and a re-apply) and the reads (<paramref name="client"/>: the watch every 100 ms,
/// the snapshot every tick, the server's read commands). A switch therefore never waits behind a tick's reads; a tick
/// that must re-apply takes the routes lane too (reads, then routes: always in that order). The agent's autonomy lives
/// in <see cref="TickAsync"/>: a reloaded or restarted HAProxy gets the held routes again with no round trip.
/// </summary>
internal sealed partial class AgentCore(
    HaProxyRuntimeClient client,
    HaProxyMasterClient? master,
    RouteKeeper keeper,
    ReloadWatcher watcher,
    SnapshotReader reader,
    TimeProvider time,
    ILogger<AgentCore> logger) : IDisposable
{
    private readonly SemaphoreSlim _routes = new(1, 1);
    private readonly SemaphoreSlim _reads = new(1, 1);
    private string? _lastError;

    public RouteKeeper Routes => keeper;

    /// <summary>The HAProxy seen by the last successful watch, or null.</summary>
    public HaProxyIdentity? LastSeen => watcher.Last;

    /// <summary>Loads the state file and re-applies what it holds: a restarted agent converges before it dials anyone.</summary>
    public async Task<RoutesApplyResult?> StartAsync(CancellationToken cancellationToken)
    {
        await _reads.WaitAsync(cancellationToken);
        await _routes.WaitAsync(cancellationToken);
        try
        {
            var held = await keeper.LoadAsync(cancellationToken);
            Log.Started(logger, held?.Version ?? 0, held?.Routes.Count ?? 0);
            try
            {
                watcher.Observe(await ReadIdentityAsync(readMaster: true, cancellationToken));
            }
            catch (Exception e) when (RouteKeeper.IsHaProxyFailure(e))
            {
                NoteUnreachable(e);
            }

            return await keeper.ReapplyAsync(ApplyTrigger.Start, cancellationToken);
        }
        finally
        {
            _routes.Release();
            _reads.Release();
        }
    }

    /// <summary>A version from the server (see <see cref="RouteKeeper.OfferAsync(DesiredRoutes, Func{RoutesApplyResult, Task}?, CancellationToken)"/>).</summary>
    public async Task<RoutesApplyResult> OfferAsync(DesiredRoutes desired, Func<RoutesApplyResult, Task>? runtimeApplied, CancellationToken cancellationToken)
    {
        await _routes.WaitAsync(cancellationToken);
        try
        {
            return await keeper.OfferAsync(desired, runtimeApplied, cancellationToken);
        }
        finally
        {
            _routes.Release();
        }
    }

    /// <summary>
    /// How long a tick waits for the master's pid (<see cref="ReadIdentityAsync"/>) before it goes on with the last one
    /// seen. The master answers <c>show proc</c> in well under a millisecond; one that hangs (stopped, or busy parsing a
    /// large config while it re-executes) must not hold the reads lane, and with it the 100 ms watch and the snapshot
    /// that keeps the server's view fresh, for the master client's full timeout (7 s).
    /// </summary>
    internal static readonly TimeSpan DefaultMasterPidTimeout = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc cref="DefaultMasterPidTimeout"/>
    internal TimeSpan MasterPidTimeout { get; init; } = DefaultMasterPidTimeout;

    /// <summary>
    /// Reads which HAProxy answers; re-applies the held routes when it reloaded or restarted since the last tick, or when
    /// the last attempt failed; with <paramref name="readSnapshot"/>, reads every backend too, and the master's pid unless
    /// <paramref name="masterHeld"/> (a master CLI connection held open: a restart would close it, so the pid adds nothing).
    /// </summary>
    public Task<TickOutcome> TickAsync(bool readSnapshot, CancellationToken cancellationToken) =>
        TickAsync(readSnapshot, masterHeld: false, cancellationToken);

    /// <inheritdoc cref="TickAsync(bool, CancellationToken)"/>
    public async Task<TickOutcome> TickAsync(bool readSnapshot, bool masterHeld, CancellationToken cancellationToken)
    {
        await _reads.WaitAsync(cancellationToken);
        try
        {
            RoutesApplyResult? reapplied = null;
            var changed = false;
            try
            {
                var identity = await ReadIdentityAsync(readMaster: readSnapshot && !masterHeld, cancellationToken);
                if (_lastError is not null)
                {
                    Log.Reachable(logger, identity.WorkerPid);
                    _lastError = null;
                }

                if (watcher.Observe(identity) is { } change)
                {
                    changed = true;
                    Log.HaProxyChanged(logger, change, keeper.HeldVersion);
                    reapplied = await ReapplyAsync(ApplyTrigger.HaProxyChanged, cancellationToken);
                }
                else if (!keeper.Converged && keeper.Held is not null)
                {
                    reapplied = await ReapplyAsync(ApplyTrigger.Retry, cancellationToken);
                }

                return new TickOutcome(reapplied, readSnapshot ? await reader.ReadAsync(cancellationToken) : null, null) { HaProxyChanged = changed };
            }
            catch (Exception e) when (RouteKeeper.IsHaProxyFailure(e))
            {
                return new TickOutcome(reapplied, null, NoteUnreachable(e)) { HaProxyChanged = changed };
            }
        }
        finally
        {
            _reads.Release();
        }
    }

    /// <summary>True when a master CLI is given: the watch can then wait for its close instead of asking every 100 ms.</summary>
    public bool HasMaster => master is not null;

    /// <summary>
    /// Holds an idle master CLI connection (<see cref="HaProxyMasterClient.HoldAsync"/>): returns once it is held, with
    /// the task that completes when the master closes it (reloaded or stopped), and whether HAProxy changed before it
    /// was held: the master's <c>show proc</c>, read once the connection is held, no longer lists as current the worker
    /// the last watch saw (a reload between that watch and the hold closed no connection of ours), or it could not be
    /// read and the master closed the held connection too (a reload began meanwhile). Throws when the master cannot be
    /// reached, there is none, or it keeps the connection but does not answer <c>show proc</c> (hung): no reload, so the
    /// caller lets the connection go and watches without it, as when the master refuses one.
    /// </summary>
    public async Task<(Task Closed, bool ChangedBefore)> HoldMasterAsync(CancellationToken cancellationToken)
    {
        var client = master ?? throw new InvalidOperationException("no master CLI was given.");
        var closed = await client.HoldAsync(cancellationToken);
        try
        {
            var workers = (await client.ShowProcAsync(cancellationToken)).Workers;
            return (closed, watcher.Last is { } seen && workers.All(w => w.Pid != seen.WorkerPid));
        }
        catch (Exception e) when (RouteKeeper.IsHaProxyFailure(e))
        {
            // A reload closes every master CLI connection within ~20 ms of the signal (measured on 2.6).
            if (await Task.WhenAny(closed, Task.Delay(MasterCloseGrace, time, cancellationToken)) == closed)
            {
                return (closed, true);
            }

            throw;
        }
    }

    /// <summary>How long a failed <c>show proc</c> waits for the held connection's close that a reload would bring.</summary>
    internal static readonly TimeSpan MasterCloseGrace = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs one command from the server; a refused or failed one comes back with its one-line error.</summary>
    public async Task<CommandOutcome> ExecuteAsync(AgentCommandRequest command, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        if (command.FirstError() is { } invalid)
        {
            return new CommandOutcome(command.Id, false, invalid, time.GetElapsedTime(started));
        }

        // Reading the runtime map is the routes lane's (its connection, in turn with the versions); the rest are reads.
        var lane = command.Kind == AgentCommandKind.ReadRoutes ? _routes : _reads;
        await lane.WaitAsync(cancellationToken);
        try
        {
            return command.Kind switch
            {
                AgentCommandKind.ReadRoutes => new CommandOutcome(command.Id, true, null, TimeSpan.Zero) { Routes = await keeper.ReadRuntimeAsync(cancellationToken), Duration = time.GetElapsedTime(started) },
                AgentCommandKind.RecheckBackend => new CommandOutcome(
                    command.Id, true, null, TimeSpan.Zero, Snapshot: await RecheckAsync(command, cancellationToken)) with { Duration = time.GetElapsedTime(started) },
                _ => new CommandOutcome(command.Id, true, null, TimeSpan.Zero, Drain: await ReadDrainAsync(command.Backend, cancellationToken)) with { Duration = time.GetElapsedTime(started) },
            };
        }
        catch (Exception e) when (RouteKeeper.IsHaProxyFailure(e))
        {
            return new CommandOutcome(command.Id, false, RuntimeArguments.Printable(e.Message.ReplaceLineEndings(" "), 512), time.GetElapsedTime(started));
        }
        finally
        {
            lane.Release();
        }
    }

    /// <summary>
    /// A re-apply from a tick, which holds the reads lane: in turn with the server's versions. A retry decided while a
    /// version was being written (not converged until its files are) finds it converged once its turn comes: nothing
    /// to do then, and nothing to report.
    /// </summary>
    private async Task<RoutesApplyResult?> ReapplyAsync(ApplyTrigger trigger, CancellationToken cancellationToken)
    {
        await _routes.WaitAsync(cancellationToken);
        try
        {
            return trigger == ApplyTrigger.Retry && (keeper.Converged || keeper.Held is null)
                ? null
                : await keeper.ReapplyAsync(trigger, cancellationToken);
        }
        finally
        {
            _routes.Release();
        }
    }

    /// <summary>
    /// One backend read now; with <see cref="AgentCommandRequest.ForceDown"/>, every server of it set to health DOWN
    /// first (a server can show a stale UP for seconds after its instance died), then read.
    /// </summary>
    private async Task<FleetSnapshot> RecheckAsync(AgentCommandRequest command, CancellationToken cancellationToken)
    {
        if (command.ForceDown)
        {
            foreach (var row in await ServerStatsOrNoneAsync(command.Backend, cancellationToken))
            {
                await client.SetServerHealthAsync(command.Backend, row.ServiceName, ServerHealthState.Down, cancellationToken);
            }
        }

        return await reader.ReadBackendAsync(command.Backend, cancellationToken);
    }

    /// <summary>
    /// How long a drain reading waits for the master CLI (its <c>show proc</c> and each old worker's count) before it
    /// answers with the live worker's count and says why the old ones are missing. The server then counts the proxy as
    /// not drained and asks again at its next poll; meanwhile the reads lane, and with it the watch and the snapshot, is
    /// not held for the master client's full timeout (7 s) by a master that hangs.
    /// </summary>
    internal static readonly TimeSpan DrainMasterTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The live worker first, then the old workers through the master CLI: in that order a reload between the reads can
    /// only count a worker twice, never miss one. A master CLI that fails, or does not answer within
    /// <see cref="DrainMasterTimeout"/>, leaves the live reading good: the view says why.
    /// </summary>
    private async Task<DrainView> ReadDrainAsync(string backend, CancellationToken cancellationToken)
    {
        var backendNow = (await reader.ReadBackendAsync(backend, cancellationToken)).Backends.Values.Single();
        var live = backendNow.Servers.Sum(s => s.Sessions + s.UsedConnections);
        var info = client.LastInfo;
        var view = new DrainView(backend, live, [], false, time.GetUtcNow())
        {
            Servers = backendNow,
            WorkerPid = info?.Pid ?? 0,
            WorkerUptimeSeconds = info?.UptimeSeconds ?? 0,
        };
        if (master is null)
        {
            return view;
        }

        try
        {
            return await MasterWithinAsync(DrainMasterTimeout, async bounded =>
            {
                var processes = await master.ShowProcAsync(bounded);
                var old = new List<WorkerSessionCount>();
                foreach (var worker in processes.AllWorkers.Where(w => w.Pid != view.WorkerPid))
                {
                    old.Add(await master.CountSessionsAsync(worker.Pid, backend, bounded));
                }

                return view with { OldWorkers = old, OldWorkersRead = true, MasterPid = processes.Master.Pid, MasterUptime = processes.Master.Uptime };
            }, cancellationToken);
        }
        catch (Exception e) when (RouteKeeper.IsHaProxyFailure(e) || e is TimeoutException)
        {
            return view with { MasterError = RuntimeArguments.Printable(e.Message.ReplaceLineEndings(" "), 512) };
        }
    }

    /// <summary>
    /// Reads the master CLI for at most <paramref name="bound"/> (the tick's pid, a drain's old workers): past it, a
    /// <see cref="TimeoutException"/> that says so, while the caller's own cancellation still cancels. A master that
    /// hangs must not hold the reads lane for its client's full timeout (7 s).
    /// </summary>
    private static async Task<T> MasterWithinAsync<T>(TimeSpan bound, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(bound);
        try
        {
            return await read(bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the master CLI did not answer within {bound.TotalSeconds:0.###} s"));
        }
    }

    private async Task<IReadOnlyList<StatRow>> ServerStatsOrNoneAsync(string backend, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ShowServerStatsAsync(backend, cancellationToken);
        }
        catch (HaProxyUnknownBackendException)
        {
            return [];
        }
    }

    /// <summary>
    /// The live worker (<c>show info</c>, every watch) and, with <paramref name="readMaster"/>, the master's pid (a new
    /// connection to the master CLI; once per snapshot tick, not every 100 ms watch, and for at most
    /// <see cref="MasterPidTimeout"/>). A reload keeps the master's pid and changes the worker's; the master's only backs
    /// up a restart that gave the worker its old pid and uptime, so between two reads the last one seen stands.
    /// </summary>
    private async Task<HaProxyIdentity> ReadIdentityAsync(bool readMaster, CancellationToken cancellationToken)
    {
        var info = await client.ShowInfoAsync(cancellationToken);
        int? masterPid = watcher.Last?.MasterPid;
        if (master is not null && readMaster)
        {
            try
            {
                masterPid = await MasterWithinAsync(MasterPidTimeout, async bounded => (await master.ShowProcAsync(bounded)).Master.Pid, cancellationToken);
            }
            catch (Exception e) when (RouteKeeper.IsHaProxyFailure(e) || e is TimeoutException)
            {
                // The worker answered: the master CLI only adds a signal; the worker pid and uptime still tell.
            }
        }

        return new HaProxyIdentity(info.Pid, info.UptimeSeconds, client.StoppingWorkersLeft, masterPid, info.Version);
    }

    /// <summary>Logs an unreachable HAProxy once (not every tick) and returns the one-line reason.</summary>
    private string NoteUnreachable(Exception e)
    {
        var message = RuntimeArguments.Printable(e.Message.ReplaceLineEndings(" "), 512);
        if (_lastError is null)
        {
            Log.Unreachable(logger, message);
        }

        _lastError = message;
        return message;
    }

    public void Dispose()
    {
        _routes.Dispose();
        _reads.Dispose();
    }
}
