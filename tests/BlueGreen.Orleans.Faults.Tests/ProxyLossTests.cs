using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// One of 3 haproxy lost: during the switch (all or nothing: the others go back, the deployment fails) and after it
/// (back from its map file, or re-applied by its proxy grain, within 2 s). Client load runs through the 2 proxies that
/// stay up: a killed haproxy drops its own clients' connections whatever the orchestrator does.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class ProxyLossTests(ReliabilityReport report)
{
    private static readonly TimeSpan Reconverge = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Release_ProxyKilledDuringSwitch_OthersRevertedGreenKeptAndDeploymentFailed()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Relayed = true });
        var (load, _) = stage.StartLoad(clients: 20, through: stage.Proxies.Take(2));
        await load.WaitForRequestsAsync(200);
        var killed = stage.Relays[2].ArmAsync(["set map ", "add map "], () => stage.Proxies[2].StopAsync());

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await killed.WaitAsync(TimeSpan.FromSeconds(30));
        var done = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(30));
        var routes = await stage.ReadRoutesAsync();
        var info = await stage.ServiceGrain.GetAsync();
        var greenRunning = await stage.IsRunningAsync(FaultStage.GreenInstance);

        // Back from its own config and map file: the route it held before, the one the fleet is on.
        await stage.Proxies[2].RestartAsync();
        var back = await stage.WaitRoutesAsync("web_blue", Reconverge);
        var result = await load.StopAsync();

        // edge-2 died mid-switch: whether its set map took effect is unknown and it cannot be switched back, so green,
        // which it may route to, is kept running (and recorded with its version) rather than retired under it.
        var problems = FaultStage.RecordProblems(done, DeploymentStep.Provision, DeploymentStep.AwaitHealthy, DeploymentStep.Switch, DeploymentStep.Done);
        var reverted = done.Events.Count(e => e.Message.StartsWith("reverted to web_blue", StringComparison.Ordinal));
        var survived = done.Outcome == DeploymentOutcome.Failed && reverted == 2 && routes["edge-0"] == "web_blue" && routes["edge-1"] == "web_blue"
            && info?.LiveColour == Colour.Blue && greenRunning == true && info.Versions.GetValueOrDefault(Colour.Green) == "2"
            && problems.Count == 0 && result.Failed == 0;
        report.Record(new ReliabilityCase(
            "proxy lost: 1 of 3 haproxy killed during the switch", 1, survived ? 1 : 0, result.Sent, result.Failed,
            problems.Count == 0 ? "none" : string.Join("; ", problems),
            $"outcome {done.Outcome} ({done.Error}); {reverted} proxies reverted; green kept running: {greenRunning}; restarted proxy on web_blue after {back.TotalMilliseconds:0} ms; load via the 2 others"));

        Assert.Equal(DeploymentOutcome.Failed, done.Outcome);
        Assert.Contains("edge-2", done.Error, StringComparison.Ordinal);
        Assert.Equal(2, reverted);
        Assert.Equal("web_blue", routes["edge-0"]);
        Assert.Equal("web_blue", routes["edge-1"]);
        Assert.Equal(Colour.Blue, info?.LiveColour);
        Assert.Contains("could not switch back edge-2", done.Error, StringComparison.Ordinal);
        Assert.True(greenRunning);
        Assert.Equal("2", info!.Versions[Colour.Green]);
        Assert.Empty(problems);
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");
    }

    [Fact]
    public async Task Release_ProxyDownAfterSwitchAndBack_ReconvergedWithinTwoSeconds()
    {
        await using var stage = await FaultStage.StartAsync();
        var (load, _) = stage.StartLoad(clients: 20, through: stage.Proxies.Take(2));
        await load.WaitForRequestsAsync(200);
        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(30));
        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        var lost = stage.Proxies[2];
        var grain = stage.Client.GetGrain<IProxyGrain>("edge-2");

        // 1. Down, noticed by its proxy grain, then started again from the same config: the map file has the route.
        await lost.StopAsync();
        await Eventually.UntilAsync(grain.GetStatusAsync, s => !s.Reachable, TimeSpan.FromSeconds(5), "edge-2 seen unreachable");
        await lost.RestartAsync();
        var fromFile = await stage.WaitRoutesAsync("web_green", TimeSpan.FromSeconds(10));

        // 2. Down again and back with a stale map file (a backup restored, a config tool rewrote it): the proxy grain's
        //    monitor sees the drift and re-applies the desired route.
        var before = (await grain.GetStatusAsync()).Reconciliations;
        await lost.StopAsync();
        await MapFile.WriteAsync(lost.MapFile, [new HaProxy.Runtime.MapEntry(FaultStage.Host, "web_blue")]);
        await lost.RestartAsync();
        var reapplied = await stage.WaitRoutesAsync("web_green", TimeSpan.FromSeconds(10));
        var status = await grain.GetStatusAsync();
        var result = await load.StopAsync();

        var survived = fromFile <= Reconverge && reapplied <= Reconverge && status.Reconciliations > before && result.Failed == 0;
        report.Record(new ReliabilityCase(
            "proxy lost: 1 of 3 haproxy down after the switch, back", 2, (fromFile <= Reconverge ? 1 : 0) + (reapplied <= Reconverge && status.Reconciliations > before ? 1 : 0),
            result.Sent, result.Failed, "none",
            $"on the new route {fromFile.TotalMilliseconds:0} ms after restart (map file), {reapplied.TotalMilliseconds:0} ms with a stale map file (monitor re-applied; limit 2 s); load via the 2 others"));

        Assert.True(fromFile <= Reconverge, $"restarted proxy took {fromFile.TotalMilliseconds:0} ms to route to green");
        Assert.True(reapplied <= Reconverge, $"stale map re-applied after {reapplied.TotalMilliseconds:0} ms");
        Assert.True(status.Reconciliations > before, "the proxy grain did not re-apply the route");
        Assert.True(survived);
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");
    }
}
