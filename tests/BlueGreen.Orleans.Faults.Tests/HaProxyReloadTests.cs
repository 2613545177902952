using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Proxies;
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
}
