using System.Diagnostics;
using System.Net.Sockets;
using BlueGreen.Orleans.Agent.Commands;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Snapshots;
using BlueGreen.Orleans.Agent.Tests.Support;
using BlueGreen.Orleans.Agent.Watching;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlueGreen.Orleans.Agent.Tests;

/// <summary>The agent's core in-process against a real haproxy: ticks and commands, without a stream.</summary>
public sealed class AgentCoreTests
{
    [Fact]
    public async Task TickAsync_HaProxyReloadedWithAStaleMapFile_ReappliedWithTheHaProxyChangedTrigger()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(new DesiredRoutes(4, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), CancellationToken.None);
        using var core = Core(stage);
        var started = await core.StartAsync(CancellationToken.None);
        var quiet = await core.TickAsync(readSnapshot: false, CancellationToken.None);

        await stage.ResetMapFileToBlueAsync();
        var worker = await stage.Proxy.ReloadAsync();
        var tick = await core.TickAsync(readSnapshot: true, CancellationToken.None);

        Assert.Equal((AckStatus.Applied, ApplyTrigger.Start), (started!.Status, started.Trigger));
        Assert.Null(quiet.Reapplied);
        Assert.Equal((AckStatus.Applied, ApplyTrigger.HaProxyChanged, 4L), (tick.Reapplied!.Status, tick.Reapplied.Trigger, tick.Reapplied.Version));
        Assert.Equal(worker, tick.Reapplied.HaProxyPid);
        Assert.Equal(worker, tick.Snapshot!.WorkerPid);
        Assert.Equal(AgentStage.GreenBackend, await stage.RuntimeRouteAsync());
    }

    [Fact]
    public async Task TickAsync_HaProxyDown_ErrorThenRetriedWhenItAnswersAgain()
    {
        await using var stage = await AgentStage.StartAsync();
        using var core = Core(stage);
        await core.StartAsync(CancellationToken.None);
        await stage.Proxy.StopAsync();

        var offered = await core.OfferAsync(new DesiredRoutes(1, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), null, CancellationToken.None);
        var down = await core.TickAsync(readSnapshot: true, CancellationToken.None);
        // Started again from the map file the agent wrote while HAProxy was down.
        await stage.Proxy.RestartAsync();
        var back = await core.TickAsync(readSnapshot: false, CancellationToken.None);

        Assert.Equal((AckStatus.Failed, 1L), (offered.Status, offered.HeldVersion));
        Assert.NotNull(down.Error);
        Assert.Null(down.Snapshot);
        Assert.Equal(AckStatus.Applied, back.Reapplied!.Status);
        Assert.Equal(AgentStage.GreenBackend, await stage.RuntimeRouteAsync());
    }

    [Fact]
    public async Task OfferAsync_WhileATickHangsOnItsMasterCli_AppliedWithoutWaitingForTheTick()
    {
        await using var stage = await AgentStage.StartAsync();
        // The tick's watch hangs on the silent master CLI (up to its timeout), inside the reads lane.
        using var silent = new SilentMaster();
        await using var routes = stage.Proxy.CreateClient();
        // The tick's own bound on the master's answer (500 ms) lifted, so that it is still waiting when the version comes.
        using var core = Core(stage, silent.Client, routes, masterPidTimeout: TimeSpan.FromSeconds(60));
        using var stopTick = new CancellationTokenSource();
        var accepting = silent.Socket.AcceptAsync();
        var tick = core.TickAsync(readSnapshot: true, stopTick.Token);
        using var hung = await accepting.WaitAsync(TimeSpan.FromSeconds(30));

        var offered = await core.OfferAsync(new DesiredRoutes(1, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        var tickStillHung = !tick.IsCompleted;
        await stopTick.CancelAsync();
        await tick.ContinueWith(_ => { }, TaskScheduler.Default);

        // A switch never queues behind a tick's reads: it has its own lane and Runtime API connection.
        Assert.Equal(AckStatus.Applied, offered.Status);
        Assert.True(tickStillHung, "the tick was still waiting for the master CLI when the version was applied");
        Assert.Equal(AgentStage.GreenBackend, await stage.RuntimeRouteAsync());
    }

    [Fact]
    public async Task TickAsync_MasterCliHung_SnapshotReadWithinTheMasterPidBound()
    {
        await using var stage = await AgentStage.StartAsync();
        // A master that takes the connection and never answers (its client would wait 60 s).
        using var silent = new SilentMaster();
        await using var routes = stage.Proxy.CreateClient();
        using var core = Core(stage, silent.Client, routes);
        await core.TickAsync(readSnapshot: false, CancellationToken.None);

        var watch = Stopwatch.StartNew();
        var tick = await core.TickAsync(readSnapshot: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // The snapshot is what keeps the server's view of this proxy fresh: a hung master must not make it stale.
        Assert.Null(tick.Error);
        Assert.NotNull(tick.Snapshot);
        Assert.True(watch.Elapsed < AgentCore.DefaultMasterPidTimeout + TimeSpan.FromSeconds(1), $"the tick took {watch.Elapsed}");
        Assert.Equal((await stage.Client.ShowInfoAsync()).Pid, core.LastSeen!.WorkerPid);
    }

    [Fact]
    public async Task TickAsync_MasterHeld_SnapshotLeavesTheMasterCliAlone()
    {
        await using var stage = await AgentStage.StartAsync();
        using var silent = new SilentMaster();
        await using var routes = stage.Proxy.CreateClient();
        using var core = Core(stage, silent.Client, routes);

        // A held master CLI connection closes when HAProxy restarts: the tick has no need of the master's pid then.
        var tick = await core.TickAsync(readSnapshot: true, masterHeld: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotNull(tick.Snapshot);
        Assert.False(silent.Socket.Poll(0, SelectMode.SelectRead), "the tick connected to the master CLI");
    }

    [Fact]
    public async Task TickAsync_WatchOnly_LeavesTheMasterCliAlone()
    {
        await using var stage = await AgentStage.StartAsync();
        // A watch that asked the silent master CLI would hang (up to 60 s).
        using var silent = new SilentMaster();
        await using var routes = stage.Proxy.CreateClient();
        using var core = Core(stage, silent.Client, routes);

        // The 100 ms watch asks the live worker only: the master CLI is a new connection each time, read once per tick.
        var watch = await core.TickAsync(readSnapshot: false, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(watch.Error);
        Assert.False(silent.Socket.Poll(0, SelectMode.SelectRead), "the watch connected to the master CLI");
        Assert.Equal((await stage.Client.ShowInfoAsync()).Pid, core.LastSeen!.WorkerPid);
    }

    [Fact]
    public async Task ExecuteAsync_ReadDrain_LiveSessionsAndOldWorkersThroughTheMasterCli()
    {
        await using var stage = await AgentStage.StartAsync();
        using var core = Core(stage);

        var outcome = await core.ExecuteAsync(new AgentCommandRequest("drain-1", AgentCommandKind.ReadDrain, AgentStage.BlueBackend), CancellationToken.None);

        Assert.True(outcome.Ok, outcome.Error);
        Assert.Equal(("drain-1", AgentStage.BlueBackend, 0L, true), (outcome.Id, outcome.Drain!.Backend, outcome.Drain.LiveSessions, outcome.Drain.OldWorkersRead));
        Assert.True(outcome.Duration > TimeSpan.Zero);
        // What the server's drain judgement needs besides the count: the servers read, which worker and master answered.
        Assert.Equal("s1", Assert.Single(outcome.Drain.Servers!.Servers).Name);
        Assert.Equal((await stage.Client.ShowInfoAsync()).Pid, outcome.Drain.WorkerPid);
        Assert.Equal(stage.Proxy.MasterPid, outcome.Drain.MasterPid);
        Assert.Null(outcome.Drain.MasterError);
    }

    [Fact]
    public async Task ExecuteAsync_ReadDrainWithAHungMasterCli_LiveCountWithinTheBoundAndWhyTheOldWorkersAreMissing()
    {
        await using var stage = await AgentStage.StartAsync();
        // A master that takes the connection and never answers (its client would wait 60 s).
        using var silent = new SilentMaster();
        await using var routes = stage.Proxy.CreateClient();
        using var core = Core(stage, silent.Client, routes);

        var watch = Stopwatch.StartNew();
        var outcome = await core.ExecuteAsync(new AgentCommandRequest("drain-1", AgentCommandKind.ReadDrain, AgentStage.BlueBackend), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        // The live count is good; the old workers are said to be unread, so the server does not count the proxy drained.
        Assert.True(outcome.Ok, outcome.Error);
        Assert.Equal((0L, false), (outcome.Drain!.LiveSessions, outcome.Drain.OldWorkersRead));
        Assert.Contains("did not answer within 2 s", outcome.Drain.MasterError, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < AgentCore.DrainMasterTimeout + TimeSpan.FromSeconds(1), $"the reading took {watch.Elapsed}");
    }

    [Fact]
    public async Task ExecuteAsync_RecheckBackendForcingDown_EveryServerDownUntilAFreshCheck()
    {
        await using var stage = await AgentStage.StartAsync();
        using var core = Core(stage);

        var outcome = await core.ExecuteAsync(new AgentCommandRequest("r2", AgentCommandKind.RecheckBackend, AgentStage.GreenBackend, ForceDown: true), CancellationToken.None);
        var later = await Eventually.UntilAsync(() => stage.Client.ShowServerStatsAsync(AgentStage.GreenBackend), rows => rows.All(r => r.IsUp), TimeSpan.FromSeconds(10), "green UP again after a fresh check");

        Assert.True(outcome.Ok, outcome.Error);
        var server = Assert.Single(Assert.Single(outcome.Snapshot!.Backends.Values).Servers);
        Assert.StartsWith("DOWN", server.Status, StringComparison.Ordinal);
        Assert.NotEmpty(later);
    }

    [Fact]
    public async Task ExecuteAsync_RecheckBackend_ThatBackendNow()
    {
        await using var stage = await AgentStage.StartAsync();
        using var core = Core(stage);

        var outcome = await core.ExecuteAsync(new AgentCommandRequest("r1", AgentCommandKind.RecheckBackend, AgentStage.GreenBackend), CancellationToken.None);

        Assert.True(outcome.Ok, outcome.Error);
        var backend = Assert.Single(outcome.Snapshot!.Backends.Values);
        Assert.Equal(AgentStage.GreenBackend, backend.Name);
        Assert.Equal("UP", Assert.Single(backend.Servers).Status);
    }

    [Theory]
    [InlineData("id;x", AgentStage.Service)]
    [InlineData("r1", "web_blue;shutdown sessions server web_blue/s1")]
    [InlineData("r1", "web_blue\nshow info")]
    public async Task ExecuteAsync_HostileIdOrBackend_RefusedBeforeAnyIo(string id, string backend)
    {
        // No HAProxy at all: a refused command must not need one.
        var client = new HaProxyRuntimeClient(RuntimeEndpoint.Unix("/nonexistent/admin.sock"));
        using var core = new AgentCore(
            client, null, new RouteKeeper(client, "/nonexistent/hosts.map", new RouteStateStore("/nonexistent", TimeProvider.System), TimeProvider.System, NullLogger<RouteKeeper>.Instance),
            new ReloadWatcher(), new SnapshotReader(client, TimeProvider.System), TimeProvider.System, NullLogger<AgentCore>.Instance);

        var outcome = await core.ExecuteAsync(new AgentCommandRequest(id, AgentCommandKind.ReadDrain, backend), CancellationToken.None);

        Assert.False(outcome.Ok);
        Assert.DoesNotContain('\n', outcome.Error!);
        Assert.Equal(0, client.ConnectionsOpened);
    }

    [Fact]
    public async Task HoldMasterAsync_HaProxyUnchanged_HeldUntilAReloadClosesIt()
    {
        await using var stage = await AgentStage.StartAsync();
        using var core = Core(stage);
        await core.StartAsync(CancellationToken.None);
        await core.TickAsync(readSnapshot: false, CancellationToken.None);

        var (closed, changedBefore) = await core.HoldMasterAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var heldAtRest = !closed.IsCompleted;
        await stage.Proxy.ReloadAsync();
        await closed.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(changedBefore);
        Assert.True(heldAtRest);
    }

    [Fact]
    public async Task HoldMasterAsync_ReloadedSinceTheLastWatch_SaysSoOnceHeld()
    {
        // The race the first version lost (agent-reload bench, 2026-12-04: one reload of 30 re-applied after 970 ms, at
        // the next tick): a reload between the watch and the hold closes no connection of the agent's.
        await using var stage = await AgentStage.StartAsync();
        using var core = Core(stage);
        await core.StartAsync(CancellationToken.None);
        await core.TickAsync(readSnapshot: false, CancellationToken.None);
        await stage.Proxy.ReloadAsync();

        var (closed, changedBefore) = await core.HoldMasterAsync(CancellationToken.None);

        Assert.True(changedBefore);
        Assert.False(closed.IsCompleted);
    }

    [Fact]
    public async Task HoldMasterAsync_ShowProcNotAnsweredWhileTheHoldStaysOpen_ThrowsAsNoReload()
    {
        await using var stage = await AgentStage.StartAsync();
        using var silent = new SilentMaster(TimeSpan.FromMilliseconds(300));
        await using var routes = stage.Proxy.CreateClient();
        using var core = Core(stage, silent.Client, routes);
        await core.TickAsync(readSnapshot: false, CancellationToken.None);

        // A hung master keeps the held connection and never answers: watched as before, not as a reload.
        await Assert.ThrowsAsync<HaProxyTimeoutException>(() => core.HoldMasterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task HoldMasterAsync_ShowProcCutTogetherWithTheHeldConnection_ChangedBefore()
    {
        await using var stage = await AgentStage.StartAsync();
        await using var master = new ReexecutingMaster();
        await using var routes = stage.Proxy.CreateClient();
        using var core = Core(stage, master.Client, routes);
        await core.TickAsync(readSnapshot: false, CancellationToken.None);

        var (closed, changedBefore) = await core.HoldMasterAsync(CancellationToken.None);

        // A master re-executing for a reload closes every CLI connection: the show proc fails, and the hold ends with it.
        Assert.True(changedBefore);
        Assert.True(closed.IsCompleted);
    }

    /// <summary>
    /// The core on the stage's haproxy: reads on the stage's connection, the routes on <paramref name="routes"/> (their own
    /// connection, as the agent runs) or the same one, the master CLI <paramref name="master"/> or the stage's.
    /// </summary>
    private static AgentCore Core(AgentStage stage, HaProxyMasterClient? master = null, HaProxyRuntimeClient? routes = null, TimeSpan? masterPidTimeout = null) =>
        new(
            stage.Client,
            master ?? stage.Proxy.CreateMasterClient(),
            new RouteKeeper(routes ?? stage.Client, stage.Proxy.MapFile, stage.Store(), TimeProvider.System, NullLogger<RouteKeeper>.Instance),
            new ReloadWatcher(),
            new SnapshotReader(stage.Client, TimeProvider.System),
            TimeProvider.System,
            NullLogger<AgentCore>.Instance)
        {
            MasterPidTimeout = masterPidTimeout ?? AgentCore.DefaultMasterPidTimeout,
        };

    /// <summary>A master CLI socket that accepts connections and never answers: a hung master, the way a test can have one.</summary>
    private sealed class SilentMaster : IDisposable
    {
        private readonly TempFolder _folder = new("silent-master");

        public SilentMaster(TimeSpan? commandTimeout = null)
        {
            var path = _folder.File("master.sock");
            Socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            Socket.Bind(new UnixDomainSocketEndPoint(path));
            Socket.Listen();
            Client = new HaProxyMasterClient(RuntimeEndpoint.Unix(path), new HaProxyRuntimeOptions { CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(60) });
        }

        public Socket Socket { get; }

        public HaProxyMasterClient Client { get; }

        public void Dispose()
        {
            Socket.Dispose();
            _folder.Dispose();
        }
    }

    /// <summary>
    /// A master CLI that answers the first connection's <c>prompt</c> and keeps it, then, at the second connection (the
    /// <c>show proc</c>), closes both: what a master re-executing for a reload does between the two.
    /// </summary>
    private sealed class ReexecutingMaster : IAsyncDisposable
    {
        private readonly TempFolder _folder = new("reexec-master");
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly Task _serving;

        public ReexecutingMaster()
        {
            var path = _folder.File("master.sock");
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen();
            Client = new HaProxyMasterClient(RuntimeEndpoint.Unix(path), new HaProxyRuntimeOptions { CommandTimeout = TimeSpan.FromSeconds(10) });
            _serving = ServeAsync();
        }

        public HaProxyMasterClient Client { get; }

        private async Task ServeAsync()
        {
            using var held = await _listener.AcceptAsync();
            var buffer = new byte[256];
            await held.ReceiveAsync(buffer, SocketFlags.None);
            await held.SendAsync("\n> "u8.ToArray(), SocketFlags.None);
            using var showProc = await _listener.AcceptAsync();
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
            _folder.Dispose();
        }
    }
}
