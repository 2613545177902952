using System.Diagnostics;
using System.Globalization;
using BlueGreen.Orleans.Harness;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// GetProxy and ListProxies answer from what the proxy grain's monitor last saw, not with Runtime API I/O at call time:
/// with its haproxy frozen (SIGSTOP: every command would wait for the 5 s command timeout), a real server still
/// answers at once, with the backends of the last snapshot and when it was read.
/// </summary>
public sealed class ProxySnapshotTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string ProxyId = "edge-snap";

    private V1.Proxies.ProxiesClient Proxies => new(fixture.Channel);

    [Fact]
    public async Task GetProxy_HaProxyFrozen_AnswersAtOnceWithTheMonitorsLastBackends()
    {
        await Proxies.RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        var before = await Eventually.UntilAsync(
            async () => await Proxies.GetProxyAsync(new V1.GetProxyRequest { Id = ProxyId }, GatewayFixture.Admin),
            p => p.Reachable && p.Pid > 0 && p.Backends.Any(b => b.Name == "shop_blue" && b.Servers.Count == 1),
            TimeSpan.FromSeconds(10),
            "a first snapshot with shop_blue");
        int[] frozen = [before.Pid, fixture.Proxy.MasterPid];

        foreach (var pid in frozen)
        {
            await SignalAsync("STOP", pid);
        }

        var stoppedAt = DateTimeOffset.UtcNow;

        try
        {
            // A monitor tick (every 250 ms here) is now stuck on the frozen haproxy, inside the proxy grain.
            await Task.Delay(TimeSpan.FromMilliseconds(600));
            var clock = Stopwatch.StartNew();

            var proxy = await Proxies.GetProxyAsync(new V1.GetProxyRequest { Id = ProxyId }, GatewayFixture.Admin);
            var list = await Proxies.ListProxiesAsync(new V1.ListProxiesRequest(), GatewayFixture.Admin);

            clock.Stop();
            // Waiting on the frozen haproxy would last until the stuck tick's command timed out (5 s after it was sent,
            // ≥ 4.1 s from here); the bound leaves room for a loaded machine (one full run took 1,012 ms here).
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"GetProxy and ListProxies took {clock.Elapsed.TotalMilliseconds:0} ms with haproxy frozen");
            Assert.Contains(proxy.Backends, b => b.Name == "shop_blue" && b.Servers.Count == 1);
            Assert.Contains(list.Proxies, p => p.Id == ProxyId && p.Backends.Count == proxy.Backends.Count);
            Assert.True(proxy.BackendsReadAt.ToDateTimeOffset() <= stoppedAt, $"backends read at {proxy.BackendsReadAt}, haproxy frozen at {stoppedAt:O}");
        }
        finally
        {
            foreach (var pid in frozen)
            {
                await SignalAsync("CONT", pid);
            }
        }

        var thawed = await Eventually.UntilAsync(
            async () => await Proxies.GetProxyAsync(new V1.GetProxyRequest { Id = ProxyId }, GatewayFixture.Admin),
            p => p.Reachable && p.BackendsReadAt.ToDateTimeOffset() > stoppedAt,
            TimeSpan.FromSeconds(30),
            "a newer snapshot once haproxy runs again");
        Assert.Contains(thawed.Backends, b => b.Name == "shop_blue");
    }

    /// <summary>kill(1): .NET itself sends only SIGKILL.</summary>
    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
