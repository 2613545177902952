using System.Globalization;
using System.Net;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// HAProxy reloads (SIGUSR2 to the master: a new worker, the old one stops) and full restarts, during and after
/// deployments. Runtime changes die with a worker, and the orchestrator's persistent Runtime API connection stays on
/// the old one: routes must still be right on the live worker every time, and the next switch must land there.
/// The harness's haproxy runs master-worker (-W), so a reload is SIGUSR2; there is no separate -sf path to test.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class HaProxyReloadTests(ReliabilityReport report)
{
    [Fact]
    public async Task Reload_DuringSwitchAndAfter_RoutesRightOnTheLiveWorkers()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Relayed = true });
        var (load, _) = stage.StartLoad(clients: 20);
        await load.WaitForRequestsAsync(200);
        var notes = new List<string>();

        // During: edge-1 reloads between the orchestrator sending 'set map' and haproxy reading it, so the command
        // reaches the old worker; the client's live-worker check must replay it on the new one.
        var reloadedTo = 0;
        var reloaded = stage.Relays[1].ArmAsync(["set map ", "add map "], async () => reloadedTo = await stage.Proxies[1].ReloadAsync());
        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await reloaded.WaitAsync(TimeSpan.FromSeconds(30));
        var during = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(30));
        var duringRoutes = await stage.ReadRoutesAsync();
        var duringOk = during.Outcome == DeploymentOutcome.Succeeded && duringRoutes.Values.All(v => v == "web_green");
        var edge1 = await Eventually.UntilAsync(
            () => stage.Client.GetGrain<IProxyGrain>("edge-1").GetStatusAsync(), s => s.Pid == reloadedTo, TimeSpan.FromSeconds(2), "edge-1's grain on the new worker");
        notes.Add($"reload at the switch: {during.Outcome}, routes {string.Join(",", duringRoutes.Values.Distinct())}");

        // After: every proxy reloads; the new workers read the map files; the grains follow them; the next switch
        // (a rollback) lands on the new workers.
        var workers = await Task.WhenAll(stage.Proxies.Select(p => p.ReloadAsync()));
        var afterReload = await stage.ReadRoutesAsync();
        var followed = await Eventually.UntilAsync(
            () => Task.WhenAll(Enumerable.Range(0, 3).Select(i => stage.Client.GetGrain<IProxyGrain>(FaultStage.ProxyId(i)).GetStatusAsync())),
            s => s.Select(x => x.Pid).SequenceEqual(workers.Select(w => (int?)w)), TimeSpan.FromSeconds(2), "every grain on its new worker");
        var rollback = await stage.ServiceGrain.RollbackAsync(DeploymentOptions.Default);
        var rolledBack = await stage.WaitFinishedAsync(rollback.Id, TimeSpan.FromSeconds(30));
        var afterRoutes = await stage.ReadRoutesAsync();
        var afterOk = afterReload.Values.All(v => v == "web_green") && rolledBack.Outcome == DeploymentOutcome.Succeeded && afterRoutes.Values.All(v => v == "web_blue");
        notes.Add($"reload after: map files kept web_green; grains on workers {string.Join(",", followed.Select(f => f.Pid))}; rollback {rolledBack.Outcome} onto the new workers");
        var result = await load.StopAsync();

        report.Record(new ReliabilityCase(
            "haproxy reload (SIGUSR2) at the switch and after", 2, (duringOk ? 1 : 0) + (afterOk ? 1 : 0), result.Sent, result.Failed, "none", string.Join("; ", notes)));

        Assert.Equal(DeploymentOutcome.Succeeded, during.Outcome);
        Assert.All(duringRoutes, r => Assert.Equal("web_green", r.Value));
        Assert.Equal(reloadedTo, edge1.Pid);
        Assert.All(afterReload, r => Assert.Equal("web_green", r.Value));
        Assert.Equal(DeploymentOutcome.Succeeded, rolledBack.Outcome);
        Assert.All(afterRoutes, r => Assert.Equal("web_blue", r.Value));
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");
    }

    [Fact]
    public async Task Restart_DuringDrainAndAfter_RoutesRightEveryTime()
    {
        await using var stage = await FaultStage.StartAsync();
        // A restart drops the restarted haproxy's own client connections: load goes through the other two.
        var (load, slow) = stage.StartLoad(clients: 20, slowClients: 4, slowDelay: TimeSpan.FromMilliseconds(1500), through: stage.Proxies.Skip(1));
        await load.WaitForRequestsAsync(200);

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await stage.WaitForAsync(release.Id, d => d.Step == DeploymentStep.Drain, TimeSpan.FromSeconds(30), "drain");
        await stage.Proxies[0].RestartAsync();
        var during = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(30));
        var duringRoutes = await stage.ReadRoutesAsync();
        Assert.True(during.Outcome == DeploymentOutcome.Succeeded, $"release with a restart in its drain: {during}\n{string.Join("\n", during.Events)}");

        await stage.Proxies[0].RestartAsync();
        var afterRestart = await stage.WaitRoutesAsync("web_green", TimeSpan.FromSeconds(10));
        var rollback = await stage.ServiceGrain.RollbackAsync(DeploymentOptions.Default);
        var rolledBack = await stage.WaitFinishedAsync(rollback.Id, TimeSpan.FromSeconds(30));
        var afterRoutes = await stage.ReadRoutesAsync();
        var fast = await load.StopAsync();
        var slowResult = await slow!.StopAsync();
        var sent = fast.Sent + slowResult.Sent;
        var failed = fast.Failed + slowResult.Failed;

        var duringOk = during.Outcome == DeploymentOutcome.Succeeded && duringRoutes.Values.All(v => v == "web_green");
        var afterOk = afterRestart <= TimeSpan.FromSeconds(2) && rolledBack.Outcome == DeploymentOutcome.Succeeded && afterRoutes.Values.All(v => v == "web_blue");
        report.Record(new ReliabilityCase(
            "haproxy full restart during the drain and after", 2, (duringOk ? 1 : 0) + (afterOk ? 1 : 0), sent, failed, "none",
            $"restart in drain: {during.Outcome}, routes {string.Join(",", duringRoutes.Values.Distinct())}; restart after: on web_green in {afterRestart.TotalMilliseconds:0} ms; rollback {rolledBack.Outcome}; load via the 2 others"));

        Assert.Equal(DeploymentOutcome.Succeeded, during.Outcome);
        Assert.All(duringRoutes, r => Assert.Equal("web_green", r.Value));
        Assert.True(afterRestart <= TimeSpan.FromSeconds(2), $"restarted proxy on web_green after {afterRestart.TotalMilliseconds:0} ms");
        Assert.Equal(DeploymentOutcome.Succeeded, rolledBack.Outcome);
        Assert.All(afterRoutes, r => Assert.Equal("web_blue", r.Value));
        Assert.True(failed == 0, $"{failed} of {sent} failed: {string.Join("; ", fast.Errors.Concat(slowResult.Errors).Select(e => e.Message))}");
    }

    /// <summary>How long the slow request of the drain cases stays at blue: longer than a release takes to reach its drain.</summary>
    private static readonly TimeSpan SlowRequest = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How much earlier than the test saw the answer blue may be retired: HAProxy counts the session gone when blue has
    /// answered, and the test's own continuation runs later under 20 clients of load on 2 cores (seen: 613 ms). A drain
    /// that ends early (the bug) retires blue right after the reload, about 14 s before the answer.
    /// </summary>
    private static readonly TimeSpan AnswerSeenLate = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Issue 12: a slow request in flight to blue through edge-0, a release, and a reload of edge-0 during the drain. The
    /// new worker has no session to blue; the old one still carries the request. The drain must wait for it (through
    /// the master CLI), so the request gets its 200 and blue is stopped only after.
    /// </summary>
    [Fact]
    public async Task Reload_DuringDrainWithASlowRequest_RequestAnsweredAndTheDrainWaitsForIt()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { DrainTimeout = TimeSpan.FromSeconds(60), HealthTimeout = TimeSpan.FromSeconds(60) });
        var (slow, release) = await SlowRequestIntoDrainAsync(stage);

        var oldWorker = await FaultStage.WorkerPidAsync(stage.Proxies[0]);
        var newWorker = await stage.Proxies[0].ReloadAsync();
        var inFlightAtReload = !slow.IsCompleted;
        var liveSessions = await FaultStage.LiveSessionsAsync(stage.Proxies[0], "web_blue");
        var (reply, failure, answeredAt) = await AwaitAsync(slow);
        var d = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(90));
        Assert.True(d.Events.Any(e => e.Step == DeploymentStep.Drain), $"the release never drained:\n{string.Join("\n", d.Events)}");
        var drainStarted = d.Events.First(e => e.Step == DeploymentStep.Drain).At;
        var retiring = d.Events.FirstOrDefault(e => e.Step == DeploymentStep.Retire)?.At;
        var blueRunning = await stage.IsRunningAsync(FaultStage.BlueInstance);
        // Seen when a drain poll read edge-0's master both before and after the reload (one during it may be refused).
        var reloadSeen = d.Events.Any(e => e.ProxyId == "edge-0" && e.Message.StartsWith($"HAProxy reloaded (worker {oldWorker} → {newWorker})", StringComparison.Ordinal));
        var ok = reply?.Status == HttpStatusCode.OK && d.Outcome == DeploymentOutcome.Succeeded && retiring >= answeredAt - AnswerSeenLate && !d.DrainCut;
        report.Record(new ReliabilityCase(
            "haproxy reload during the drain with a slow request on the old colour", 1, ok ? 1 : 0, 1, reply?.Status == HttpStatusCode.OK ? 0 : 1, "none",
            $"request {(reply is null ? failure : (int)reply.Status)}; drain {Ms(retiring - drainStarted)} ms, blue retired {Ms(retiring - answeredAt)} ms after the answer; {d.Outcome}{(reloadSeen ? "; reload recorded" : string.Empty)}"));

        Assert.True(inFlightAtReload, "the slow request ended before the reload: the case tested nothing");
        Assert.Equal(0, liveSessions);
        Assert.True(reply?.Status == HttpStatusCode.OK, $"slow request: {(object?)reply?.Status ?? failure}\n{string.Join("\n", d.Events)}");
        Assert.Equal("blue", reply!.Echo?.Colour);
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(retiring >= answeredAt - AnswerSeenLate, $"blue retired at {retiring:HH:mm:ss.fff}, before the request was answered at {answeredAt:HH:mm:ss.fff}\n{string.Join("\n", d.Events)}");
        Assert.False(d.DrainCut);
        Assert.True(blueRunning is null or false, "blue still runs after the release");
    }

    /// <summary>
    /// The same with a full restart of edge-0's haproxy: the request dies with it, and the record must say the drain
    /// was not clean (the restart is seen through the master CLI: a new master), in its events, its per-proxy progress
    /// and what the CLI shows.
    /// </summary>
    [Fact]
    public async Task Restart_DuringDrainWithASlowRequest_RequestDiesAndTheRecordSaysTheDrainWasCut()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { DrainTimeout = TimeSpan.FromSeconds(60), HealthTimeout = TimeSpan.FromSeconds(60) });
        var (slow, release) = await SlowRequestIntoDrainAsync(stage);
        var oldMaster = stage.Proxies[0].MasterPid;

        var inFlightAtRestart = !slow.IsCompleted;
        await stage.Proxies[0].RestartAsync();
        var (reply, failure, _) = await AwaitAsync(slow);
        var d = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(90));
        var (exit, history) = await CliRun.RunAsync(["history", FaultStage.Service, .. stage.CliServer()]);
        var edge0 = d.Proxies[0];
        var ok = reply?.Status != HttpStatusCode.OK && d.DrainCut && edge0.SessionsLost > 0;
        report.Record(new ReliabilityCase(
            "haproxy full restart during the drain with a slow request on the old colour", 1, ok ? 1 : 0, 1, reply?.Status == HttpStatusCode.OK ? 0 : 1, "none",
            $"the request died with haproxy as it must ({(reply is null ? failure?.GetType().Name : (int)reply.Status)}); record: {d.Outcome}, drain cut, {edge0.SessionsLost} sessions lost on edge-0"));

        Assert.True(inFlightAtRestart, "the slow request ended before the restart: the case tested nothing");
        Assert.True(reply?.Status != HttpStatusCode.OK, "the slow request was answered although its haproxy was killed");
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(d.DrainCut, $"the record claims a clean drain\n{string.Join("\n", d.Events)}");
        Assert.NotNull(edge0.RestartedAt);
        Assert.True(edge0.SessionsLost > 0, $"edge-0 sessions lost: {edge0.SessionsLost}");
        Assert.Contains(d.Events, e => e.ProxyId == "edge-0" && e.Message.StartsWith($"HAProxy restarted (master {oldMaster} → {stage.Proxies[0].MasterPid})", StringComparison.Ordinal));
        Assert.Contains("the drain was not clean: HAProxy on edge-0 restarted", d.Events[^1].Message, StringComparison.Ordinal);
        Assert.Equal(0, exit);
        Assert.Contains("(drain cut)", history, StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts a slow request to blue through edge-0, waits until blue holds it, releases and waits for the drain to count
    /// it. Blue
    /// is retired at once after the drain (keep-warm 0), as in the issue.
    /// </summary>
    private static async Task<(Task<FrontendReply> Slow, DeploymentRecord Release)> SlowRequestIntoDrainAsync(FaultStage stage)
    {
        var http = new FrontendClient(stage.Proxies[0].FrontendUrl, SlowRequest + TimeSpan.FromSeconds(30));
        var slow = Task.Run(async () =>
        {
            using (http)
            {
                return await http.GetAsync(FaultStage.Host, string.Create(CultureInfo.InvariantCulture, $"/?delay_ms={(int)SlowRequest.TotalMilliseconds}"));
            }
        });
        await Eventually.UntilAsync(() => FaultStage.LiveSessionsAsync(stage.Proxies[0], "web_blue"), n => n > 0, TimeSpan.FromSeconds(10), "the slow request on blue");
        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        // The fault comes once the drain has read edge-0 (the slow request counted there).
        var draining = await stage.WaitForAsync(
            release.Id, d => d.Step == DeploymentStep.Drain && d.Proxies[0].SessionsLeft > 0, TimeSpan.FromSeconds(60), "the drain counting the slow request on edge-0");
        Assert.True(draining.Step == DeploymentStep.Drain, $"the release ended before its drain: {draining}\n{string.Join("\n", draining.Events)}");
        return (slow, release);
    }

    private static async Task<(FrontendReply? Reply, Exception? Failure, DateTimeOffset At)> AwaitAsync(Task<FrontendReply> request)
    {
        try
        {
            var reply = await request;
            return (reply, null, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (null, e, DateTimeOffset.UtcNow);
        }
    }

    private static string Ms(TimeSpan? span) => span is { } s ? s.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) : "-";
}
