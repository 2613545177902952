using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Services;
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

    [Fact]
    public async Task Apply_RecordRestoredFromOlderBackup_RefusedNamingProxiesAndColoursAndNoRouteFlipped()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2);
        await RestoreRecordFromBeforeReleaseAsync(fleet);

        // The old code re-asserted blue: every proxy flipped to blue, whose instances the release had retired.
        var refused = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ApplyAsync(fleet.Spec));

        Assert.Equal(ErrorCode.FailedPrecondition, refused.Code);
        Assert.Contains("no route was changed: edge-0, edge-1 serve 'web.local' from green (web_green)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("the record says blue is live", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--adopt-served", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Equal(Colour.Blue, (await fleet.ServiceGrain.GetAsync())!.LiveColour);
        Assert.Equal(["web_green", "web_green"], await ServedMapAsync(fleet));
        Assert.Equal(["green 2", "green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Apply_AdoptServedWhileRecordRestoredFromOlderBackup_ServedColourRecordedLiveAndNoRouteFlipped()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2);
        await RestoreRecordFromBeforeReleaseAsync(fleet);

        var adopted = await fleet.ServiceGrain.ApplyAsync(fleet.Spec, adoptServed: true);

        Assert.Equal(Colour.Green, adopted.LiveColour);
        Assert.Contains(Colour.Green, adopted.Running);
        Assert.Equal(["web_green", "web_green"], await ServedMapAsync(fleet));
        Assert.Equal(["green 2", "green 2"], await fleet.ServedAsync());
        for (var i = 0; i < fleet.Proxies.Count; i++)
        {
            // The desired route too: the proxy's monitor holds green, and a reload loads green from the map file.
            Assert.Equal("web_green", (await fleet.ProxyGrain(i).GetStatusAsync()).Routes[Fleet.Host]);
        }

        // Record and proxies agree now: a plain re-apply goes through as it always did.
        Assert.Equal(Colour.Green, (await fleet.ServiceGrain.ApplyAsync(fleet.Spec)).LiveColour);
        Assert.Equal(["green 2", "green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Apply_ProxiesServeBothColours_RefusedNamingEachEvenWithAdoptServedAndNoRouteFlipped()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2);

        // edge-1 on green through its own grain, as a switch whose revert failed there would leave it: its monitor
        // holds green there, while the record and edge-0 say blue.
        // A version newer than the service's (which counts in wall-clock microseconds): the proxy takes it.
        var version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        await fleet.ProxyGrain(1).SwitchRouteAsync(Fleet.Host, "web_green", version);
        await fleet.ProxyGrain(1).SaveRouteAsync(Fleet.Host, "web_green", version);

        var refused = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ApplyAsync(fleet.Spec, adoptServed: true));

        Assert.Equal(ErrorCode.FailedPrecondition, refused.Code);
        Assert.Contains("serve 'web.local' from both colours (edge-0: web_blue, edge-1: web_green)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("no route was changed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Colour.Blue, (await fleet.ServiceGrain.GetAsync())!.LiveColour);
        Assert.Equal(["web_blue", "web_green"], await ServedMapAsync(fleet));
    }

    /// <summary>
    /// Releases green v2 (blue v1 retired), then restores the service's record as it was before: blue v1 live. Every
    /// proxy, and every proxy grain's desired route, still says green.
    /// </summary>
    private static async Task RestoreRecordFromBeforeReleaseAsync(Fleet fleet)
    {
        var backup = await fleet.Storage.StoredAsync<ServiceState>("service");
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id)).Outcome);
        await fleet.RestoreServiceRecordAsync(backup);
        Assert.Equal(Colour.Blue, (await fleet.ServiceGrain.GetAsync())!.LiveColour);
    }

    /// <summary>The backend each proxy's HAProxy serves the route key from (<c>show map</c>).</summary>
    private static async Task<IReadOnlyList<string?>> ServedMapAsync(Fleet fleet)
    {
        var served = new List<string?>();
        foreach (var proxy in fleet.Proxies)
        {
            await using var client = proxy.CreateClient();
            served.Add(await client.GetMapAsync(proxy.MapFile, Fleet.Host));
        }

        return served;
    }
}
