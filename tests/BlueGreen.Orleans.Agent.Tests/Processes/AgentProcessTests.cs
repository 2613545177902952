using System.Net.Sockets;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Tests.Support;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Agent.Tests.Processes;

/// <summary>
/// A real bluegreen-agent process beside a real haproxy, with the control plane down (nothing listens at --server): the
/// agent keeps HAProxy on the routes its state file holds, by itself, through reloads, restarts and its own kill -9.
/// </summary>
public sealed class AgentProcessTests
{
    /// <summary>How long after HAProxy's new worker answers the agent may take to put the desired route back.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    private static readonly DesiredRoutes Green = new(7, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend });

    [Fact]
    public async Task Agent_HaProxyReloadedLoadingAStaleMapFile_ReappliesHeldRoutesByItself()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        await using var agent = AgentProcess.Start(stage.AgentArguments());
        await stage.WaitGreenAsync(agent, "the agent's start re-apply");

        var reloaded = await stage.TimeReapplyAfterAsync(agent, () => stage.Proxy.ReloadAsync(), "the re-apply after a reload");

        Assert.True(reloaded < Bound, $"{reloaded}");
        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
        Assert.Contains("HAProxy changed", agent.Output, StringComparison.Ordinal);
        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Agent_HaProxyKilledAndStartedAgain_ReappliesHeldRoutesByItself()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        await using var agent = AgentProcess.Start(stage.AgentArguments());
        await stage.WaitGreenAsync(agent, "the agent's start re-apply");

        var restarted = await stage.TimeReapplyAfterAsync(agent, () => stage.Proxy.RestartAsync(), "the re-apply after a restart");

        Assert.True(restarted < Bound, $"{restarted}");
        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Agent_WithAMasterCli_AsksNothingBetweenTicksAndStillReappliesWithinTheBoundAfterAReload()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        using var folder = new TempFolder("relay");
        await using var relay = new CommandCountingRelay(folder.File("runtime.sock"), stage.Proxy.RuntimeApi.SocketPath!);
        // A tick far longer than the bound: only the master CLI's close can bring the routes back in time.
        await using var agent = AgentProcess.Start(LongTickThrough(stage, relay.Path));
        await stage.WaitGreenAsync(agent, "the agent's start re-apply");

        // The first tick (its snapshot) follows the start's re-apply; after it, nothing is due for 30 s.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (askedAtRest, restLog) = await relay.CountOverAsync("show info", TimeSpan.FromSeconds(2));

        var reloaded = await stage.TimeReapplyAfterAsync(agent, () => stage.Proxy.ReloadAsync(), "the re-apply after a reload");

        // Asking every 100 ms would be about 20.
        Assert.True(askedAtRest == 0, $"asked at rest: {restLog}");
        Assert.True(reloaded < Bound, $"{reloaded}");
        Assert.Contains("HAProxy changed", agent.Output, StringComparison.Ordinal);
        Assert.True(relay.Count("show info") > 0, "the agent asked which HAProxy answers after the master closed its connection");
        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Agent_WithAMasterCli_RefusedAfterAReload_HoldsItAgainOnceTakenAndAsksNothingUntilTheNextTick()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        using var folder = new TempFolder("relay");
        await using var runtime = new CommandCountingRelay(folder.File("runtime.sock"), stage.Proxy.RuntimeApi.SocketPath!);
        await using var master = new CommandCountingRelay(folder.File("master.sock"), stage.Proxy.MasterApi.SocketPath!);
        await using var agent = AgentProcess.Start(LongTickThrough(stage, runtime.Path, master.Path));
        await stage.WaitGreenAsync(agent, "the agent's start re-apply");
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Right after a reload the master refuses connections until it has bound its CLI again: here for 300 ms, so the
        // agent, converged by then, is refused when it tries to hold the master again.
        await master.RefuseAsync();
        await stage.ResetMapFileToBlueAsync();
        await stage.Proxy.ReloadAsync();
        await stage.WaitGreenAsync(agent, "the re-apply after the reload");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        master.Listen();

        // Once the master takes connections again the agent holds one and asks nothing until its next tick, 30 s away.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var (askedAtRest, restLog) = await runtime.CountOverAsync("show info", TimeSpan.FromSeconds(1.5));

        // Held again: the next reload is caught by the master's close, within the bound.
        var reloaded = await stage.TimeReapplyAfterAsync(agent, () => stage.Proxy.ReloadAsync(), "the re-apply after the second reload");

        // Asking every 100 ms would be about 15.
        Assert.True(askedAtRest == 0, $"asked at rest {askedAtRest}: {restLog}; master: {master.Log()}; output: {agent.Output}");
        Assert.True(reloaded < Bound, $"{reloaded}");
        Assert.True(master.Count("show proc") >= 2, $"the master was held again: {master.Log()}");
        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Agent_WithAHungMasterCli_WatchesEvery100MsAndCatchesAReload()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        using var folder = new TempFolder("relay");
        await using var runtime = new CommandCountingRelay(folder.File("runtime.sock"), stage.Proxy.RuntimeApi.SocketPath!);
        // A master CLI that takes connections and never answers: the agent's hold is taken, its show proc is not answered
        // (7 s: the client's connect and command timeouts). While it waits, and after, the agent must go on watching every 100 ms.
        using var hung = Listening(folder.File("master.sock"));
        await using var agent = AgentProcess.Start(LongTickThrough(stage, runtime.Path, folder.File("master.sock")));
        await stage.WaitGreenAsync(agent, "the agent's start re-apply");
        // The first tick reads the master's pid too, and gives up after 500 ms (the tick's reads, not a switch).
        await Task.Delay(TimeSpan.FromSeconds(1));

        var (asked, log) = await runtime.CountOverAsync("show info", TimeSpan.FromSeconds(2));
        var reloaded = await stage.TimeReapplyAfterAsync(agent, () => stage.Proxy.ReloadAsync(), "the re-apply after a reload, seen by the 100 ms watch");

        // Every 100 ms is about 20 in 2 s; waiting on the master, none; watching it as a reload every 20 ms, about 100.
        Assert.True(asked is > 5 and <= 30, $"asked {asked} times in 2 s: {log}");
        Assert.True(reloaded < Bound, $"{reloaded}");
        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Agent_WithAHungMasterCli_ReadsItsSnapshotEveryTick()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        using var folder = new TempFolder("relay");
        await using var runtime = new CommandCountingRelay(folder.File("runtime.sock"), stage.Proxy.RuntimeApi.SocketPath!);
        // A master CLI that takes connections and never answers, with the default 1 s tick: the snapshot each tick sends
        // is what keeps the server's view of this proxy fresh (stale after 3 s: unreachable).
        using var hung = Listening(folder.File("master.sock"));
        await using var agent = AgentProcess.Start(TickThrough(stage, "1s", runtime.Path, folder.File("master.sock")));
        await stage.WaitGreenAsync(agent, "the agent's start re-apply");

        var (snapshots, log) = await runtime.CountOverAsync("show stat", TimeSpan.FromSeconds(5));

        // One backend read a tick, about 5 in 5 s; waiting for the master's pid up to its 7 s timeout each tick, 0 or 1.
        Assert.True(snapshots >= 3, $"read {snapshots} snapshots in 5 s: {log}");
        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Agent_WithAMasterCliThatClosesEveryConnection_AfterOneQuietWindowWatchesEvery100MsAndCatchesAReload()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        using var folder = new TempFolder("relay");
        await using var runtime = new CommandCountingRelay(folder.File("runtime.sock"), stage.Proxy.RuntimeApi.SocketPath!);
        // Not HAProxy's master, or a broken one: it takes each connection and closes it at once, which is what a reload
        // looks like to a held connection. The first close opens a 20 ms window that sees no new HAProxy (10 s).
        using var closing = Listening(folder.File("master.sock"));
        using var stop = new CancellationTokenSource();
        var closer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var accepted = await closing.AcceptAsync(stop.Token);
            }
        });
        try
        {
            await using var agent = AgentProcess.Start(LongTickThrough(stage, runtime.Path, folder.File("master.sock")));
            await stage.WaitGreenAsync(agent, "the agent's start re-apply");
            await Task.Delay(AgentWorker.ReloadWindow + TimeSpan.FromSeconds(2));

            var (asked, log) = await runtime.CountOverAsync("show info", TimeSpan.FromSeconds(2));
            var reloaded = await stage.TimeReapplyAfterAsync(agent, () => stage.Proxy.ReloadAsync(), "the re-apply after a reload, seen by the 100 ms watch");

            // Every 100 ms is about 20 in 2 s; a 20 ms window opened by each close, about 100.
            Assert.True(asked is > 5 and <= 35, $"asked {asked} times in 2 s: {log}");
            Assert.True(reloaded < Bound, $"{reloaded}");
            Assert.False(agent.HasExited, agent.Output);
        }
        finally
        {
            await stop.CancelAsync();
            await closer.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task Agent_WithAMasterCliAndALongTick_HaProxyRestartedTwice_ReappliedWithinTheBoundEachTime()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        await using var agent = AgentProcess.Start(stage.AgentArguments(tick: "30s"));
        await stage.WaitGreenAsync(agent, "the agent's start re-apply");

        // The master's exit closes the held connection. After the first restart the agent holds a connection to the new
        // master, or asks every 100 ms while that master refuses one for a moment: either way the second is caught too.
        foreach (var round in new[] { "first", "second" })
        {
            var restarted = await stage.TimeReapplyAfterAsync(agent, () => stage.Proxy.RestartAsync(), $"the re-apply after the {round} restart");
            Assert.True(restarted < Bound, $"{round}: {restarted}");
        }

        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Agent_KilledNineAndStartedAgain_ReadsItsStateFileAndConverges()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(Green, CancellationToken.None);
        var first = AgentProcess.Start(stage.AgentArguments());
        try
        {
            await stage.WaitGreenAsync(first, "the first agent");
            await first.KillAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        // While no agent runs: HAProxy restarts from a stale map file, and a state write that kill -9 cut short left its
        // temp file behind (the rename never happened).
        await stage.ResetMapFileToBlueAsync();
        await stage.Proxy.RestartAsync();
        Assert.Equal("blue", await stage.ColourAsync());
        await File.WriteAllTextAsync(Path.Combine(stage.StateDirectory, $".{RouteStateStore.FileName}.0123456789abcdef.tmp"), "{\"format\":1,\"version\":8,\"rou");

        await using var second = AgentProcess.Start(stage.AgentArguments());
        await stage.WaitGreenAsync(second, "the restarted agent");

        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
        var state = await stage.Store().LoadAsync(CancellationToken.None);
        Assert.Equal(7, state!.Version);
        Assert.Equal(Green.Routes, state.Routes);
    }

    [Fact]
    public async Task Agent_SecondAgentOnTheSameStateDirectory_RefusedWithUsage()
    {
        await using var stage = await AgentStage.StartAsync();
        await using var agent = AgentProcess.Start(stage.AgentArguments());
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(Path.Combine(stage.StateDirectory, "agent.lock")) && agent.Output.Length > 0), done => done, TimeSpan.FromSeconds(20), "the first agent to start");

        var (exitCode, output) = await AgentProcess.RunToExitAsync(stage.AgentArguments());

        Assert.Equal(64, exitCode);
        Assert.Equal("bluegreen-agent: error: another bluegreen-agent uses this --state-dir.", output.Trim());
        Assert.False(agent.HasExited, agent.Output);
    }

    /// <summary>A unix socket that takes connections into its backlog and answers none: a master CLI that hangs.</summary>
    private static Socket Listening(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen();
        return socket;
    }

    /// <summary>
    /// The agent's arguments with a tick far longer than any test (only the master CLI's close, or the watch, can bring
    /// routes back in time) and its Runtime API, and master CLI when given, at these sockets (a test's relays).
    /// </summary>
    private static List<string> LongTickThrough(AgentStage stage, string runtimeSocket, string? masterSocket = null) =>
        TickThrough(stage, "30s", runtimeSocket, masterSocket);

    /// <summary>The stage's agent with <paramref name="tick"/>, its Runtime API (and master CLI) through the given sockets.</summary>
    private static List<string> TickThrough(AgentStage stage, string tick, string runtimeSocket, string? masterSocket = null)
    {
        var arguments = stage.AgentArguments(tick: tick).ToList();
        arguments[arguments.IndexOf("--runtime-api") + 1] = $"unix://{runtimeSocket}";
        if (masterSocket is not null)
        {
            arguments[arguments.IndexOf("--master-api") + 1] = $"unix://{masterSocket}";
        }

        return arguments;
    }
}
