using System.Net;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>The drain against real haproxy reloads: old workers read through the master CLI.</summary>
public sealed class DrainIntegrationTests
{
    [Fact]
    public async Task GetDrain_ReloadWithASlowRequestOnBlue_TheOldWorkerCountsUntilItEnds()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        using var http = new FrontendClient(fleet.Proxies[0].FrontendUrl, TimeSpan.FromSeconds(30));
        var slow = http.GetAsync(Fleet.Host, "/?delay_ms=4000");
        var before = await Eventually.UntilAsync(() => fleet.ProxyGrain(0).GetDrainAsync("web_blue"), r => r.Sessions > 0, TimeSpan.FromSeconds(10), "the slow request on blue");

        var reloadedTo = await fleet.Proxies[0].ReloadAsync();
        var after = await Eventually.UntilAsync(() => fleet.ProxyGrain(0).GetDrainAsync("web_blue"), r => r.WorkerPid == reloadedTo && r.MasterRead, TimeSpan.FromSeconds(5), "a read of the new worker");

        Assert.Equal(0, after.Live.Sessions);
        Assert.True(after.OtherSessions > 0, $"old workers: {string.Join(", ", after.OtherWorkers)}");
        Assert.Contains(after.OtherWorkers, w => w.Pid == before.WorkerPid && w.Sessions > 0);
        Assert.Equal(fleet.Proxies[0].MasterPid, after.MasterPid);
        Assert.Equal(HttpStatusCode.OK, (await slow).Status);
        await Eventually.UntilAsync(() => fleet.ProxyGrain(0).GetDrainAsync("web_blue"), r => r.MasterRead && r.Sessions == 0, TimeSpan.FromSeconds(10), "blue drained on every worker");
    }

    [Fact]
    public async Task Release_ReloadAtTheDrainWithASlowRequestOnBlue_BlueRetiredOnlyAfterTheRequest()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2, s => s with { DrainTimeout = TimeSpan.FromSeconds(30) });
        using var http = new FrontendClient(fleet.Proxies[0].FrontendUrl, TimeSpan.FromSeconds(30));
        var slow = http.GetAsync(Fleet.Host, "/?delay_ms=6000");
        await Eventually.UntilAsync(() => fleet.ProxyGrain(0).GetDrainAsync("web_blue"), r => r.Sessions > 0, TimeSpan.FromSeconds(10), "the slow request on blue");
        var reloaded = false;
        fleet.Hooks.Before(DeploymentStep.Drain, async _ =>
        {
            await fleet.Proxies[0].ReloadAsync();
            reloaded = !slow.IsCompleted;
        });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var reply = await slow;
        var answeredAt = DateTimeOffset.UtcNow;
        var d = await fleet.WaitFinishedAsync(release.Id);

        Assert.True(reloaded, "edge-0 was to reload at the drain, with the slow request in flight");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("blue", reply.Echo?.Colour);
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        var retiring = d.Events.First(e => e.Step == DeploymentStep.Retire).At;
        Assert.True(retiring >= answeredAt - TimeSpan.FromMilliseconds(300), $"blue retired at {retiring:HH:mm:ss.fff}, the slow request answered at {answeredAt:HH:mm:ss.fff}\n{string.Join("\n", d.Events)}");
        Assert.False(d.DrainCut);
    }
}
