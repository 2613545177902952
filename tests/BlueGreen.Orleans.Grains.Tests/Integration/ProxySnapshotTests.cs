using System.Diagnostics;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>The proxy grain's status carries its monitor's last view of every backend, also once the haproxy is gone.</summary>
public sealed class ProxySnapshotTests
{
    [Fact]
    public async Task GetStatus_HaProxyStopped_LastBackendsKeptWithTheirTimeAndProxyUnreachable()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        var grain = fleet.ProxyGrain(0);
        var seen = await Eventually.UntilAsync(
            () => grain.GetStatusAsync(),
            s => s.Backends.Any(b => b.Backend == "web_blue" && b.Servers.Count == 1 && b.Servers[0].IsUp),
            TimeSpan.FromSeconds(10),
            "web_blue/s1 UP in the snapshot");
        Assert.Contains(seen.Backends, b => b.Backend == "web_green");
        Assert.All(seen.Backends, b => Assert.Equal(seen.BackendsReadAt, b.ReadAt));
        Assert.True(seen.Reachable);

        await fleet.Proxies[0].StopAsync();
        var stoppedAt = DateTimeOffset.UtcNow;
        var gone = await Eventually.UntilAsync(() => grain.GetStatusAsync(), s => !s.Reachable, TimeSpan.FromSeconds(10), "the proxy unreachable");
        var clock = Stopwatch.StartNew();
        var status = await grain.GetStatusAsync();
        clock.Stop();

        Assert.False(string.IsNullOrEmpty(gone.LastError));
        Assert.True(status.BackendsReadAt <= stoppedAt, $"read at {status.BackendsReadAt:O}, stopped at {stoppedAt:O}");
        Assert.Contains(status.Backends, b => b.Backend == "web_blue" && b.Servers.Count == 1);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"GetStatus took {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}
