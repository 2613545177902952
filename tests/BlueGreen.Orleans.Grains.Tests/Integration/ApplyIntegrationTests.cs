using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>What re-applying a spec does to running instances and to the routes real haproxy processes serve.</summary>
public sealed class ApplyIntegrationTests
{
    [Fact]
    public async Task Apply_LiveColourMovedToAnotherRuntime_RefusedAndItsInstanceKeepsServing()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        var blue = (await fleet.InspectAsync(Colour.Blue))!;

        var refused = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ApplyAsync(fleet.Spec with { Blue = fleet.Spec.Blue with { Runtime = "external" } }));

        Assert.Equal(ErrorCode.FailedPrecondition, refused.Code);
        Assert.Contains("blue is live", refused.Message, StringComparison.Ordinal);
        Assert.Contains("web-blue-s1", refused.Message, StringComparison.Ordinal);
        Assert.Equal("process", (await fleet.ServiceGrain.GetAsync())!.Spec.Blue.Runtime);
        Assert.Equal(blue.Id, (await fleet.InspectAsync(Colour.Blue))!.Id);
        Assert.Equal(["blue 1"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Apply_WarmColourMovedToAnotherRuntime_ItsInstanceStoppedAndNoLongerRecordedRunning()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1, customize: s => s with { KeepWarm = TimeSpan.FromMinutes(5) });
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id)).Outcome);
        Assert.True((await fleet.InspectAsync(Colour.Blue))!.Running);

        // The process runtime started blue; an external runtime would never stop it, and on its port it would pass
        // the health checks of the next release to blue while still serving v1.
        var info = await fleet.ServiceGrain.ApplyAsync(fleet.Spec with { Blue = fleet.Spec.Blue with { Runtime = "external" } });

        Assert.False((await fleet.InspectAsync(Colour.Blue))?.Running ?? false);
        Assert.DoesNotContain(Colour.Blue, info.Running);
        Assert.False(info.WarmUntil.ContainsKey(Colour.Blue));
        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Apply_ProxyDroppedThenRouteKeyChanged_OldRoutesGoneFromHaProxy()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2);

        await fleet.ServiceGrain.ApplyAsync(fleet.Spec with { Proxies = [Fleet.ProxyId(0)] });

        // Dropped from the spec: neither HAProxy nor the proxy grain's desired routes (which its monitor re-asserts) keep the key.
        await using (var dropped = fleet.Proxies[1].CreateClient())
        {
            Assert.DoesNotContain(await dropped.ShowMapAsync(fleet.Proxies[1].MapFile), e => e.Key == Fleet.Host);
        }

        Assert.False((await fleet.ProxyGrain(1).GetStatusAsync()).Routes.ContainsKey(Fleet.Host));

        await fleet.ServiceGrain.ApplyAsync(fleet.Spec with { Proxies = [Fleet.ProxyId(0)], RouteKey = "www.local" });

        await using var kept = fleet.Proxies[0].CreateClient();
        var map = await kept.ShowMapAsync(fleet.Proxies[0].MapFile);
        Assert.DoesNotContain(map, e => e.Key == Fleet.Host);
        Assert.Contains(map, e => e.Key == "www.local" && e.Value == "web_blue");
        Assert.False((await fleet.ProxyGrain(0).GetStatusAsync()).Routes.ContainsKey(Fleet.Host));
    }

    [Fact]
    public async Task Apply_FirstWhileProxiesServeGreen_GreenRecordedLiveAndNoProxyFlipped()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2);
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id)).Outcome);

        // As after a wiped store: no record of the service, while every proxy serves green v2.
        await fleet.ServiceGrain.DeleteAsync(keepInstances: true);
        var info = await fleet.ServiceGrain.ApplyAsync(fleet.Spec with { LiveVersion = null });

        Assert.Equal(Colour.Green, info.LiveColour);
        foreach (var proxy in fleet.Proxies)
        {
            await using var client = proxy.CreateClient();
            Assert.Equal("web_green", await client.GetMapAsync(proxy.MapFile, Fleet.Host));
        }

        Assert.Equal(["green 2", "green 2"], await fleet.ServedAsync());
    }
}
