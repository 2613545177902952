using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// Two silos over a real redis-server: the silo that hosts the service grain is killed mid-deployment and the
/// survivor finishes it. The host is found from the silos' own logs ("started deployment N" is logged by the grain).
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class MultiSiloTests(ReliabilityReport report)
{
    [Fact]
    public async Task Cluster_SiloHostingTheServiceKilledMidDeployment_SurvivorFinishesIt()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Proxies = 2, Silos = 2, StartDelay = TimeSpan.FromSeconds(2) });
        var (load, _) = stage.StartLoad(clients: 20);
        await load.WaitForRequestsAsync(200);

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await stage.WaitForAsync(release.Id, d => d.Step == DeploymentStep.AwaitHealthy, TimeSpan.FromSeconds(30), "AwaitHealthy");
        var started = $"started deployment {release.Id} (";
        var host = stage.Servers.Single(s => s.Output.Contains(started, StringComparison.Ordinal));
        var survivor = stage.Servers.Single(s => s != host);
        await FaultStage.KillNowAsync(host);

        var done = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(90));
        var routes = await stage.ReadRoutesAsync();
        var info = await stage.ServiceGrain.GetAsync();
        var resumed = await FaultStage.WaitResumedStepAsync(survivor, release.Id, TimeSpan.FromSeconds(10));
        var result = await load.StopAsync();
        var problems = FaultStage.RecordProblems(done, DeploymentStep.Provision, DeploymentStep.AwaitHealthy, DeploymentStep.Switch, DeploymentStep.Drain, DeploymentStep.Retire, DeploymentStep.Done);
        var blueRunning = await stage.IsRunningAsync(FaultStage.BlueInstance);

        // Only the survivor runs once the host is killed: the deployment finishing is the proof it resumed it. Its log
        // line naming the step is kept when it arrives in time (the silo logs pages of retries behind it).
        var survived = done.Outcome == DeploymentOutcome.Succeeded && routes.Values.All(v => v == "web_green")
            && info?.LiveColour == Colour.Green && problems.Count == 0 && blueRunning != true && result.Failed == 0;
        report.Record(new ReliabilityCase(
            "cluster: silo hosting the service killed mid-deployment (2 silos, redis)", 1, survived ? 1 : 0, result.Sent, result.Failed,
            problems.Count == 0 ? "none" : string.Join("; ", problems),
            $"killed the host silo in AwaitHealthy; survivor resumed at {resumed?.ToString() ?? "?"} and ended {done.Outcome} in {(done.FinishedAt - done.CreatedAt)?.TotalSeconds:0.0} s (failure detection included)"));

        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        Assert.Empty(problems);
        Assert.All(routes, r => Assert.Equal("web_green", r.Value));
        Assert.Equal(Colour.Green, info?.LiveColour);
        Assert.NotEqual(true, blueRunning);
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");
    }
}
