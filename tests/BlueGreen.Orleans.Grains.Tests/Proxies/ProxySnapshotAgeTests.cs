using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>The monitor's backend snapshot is renewed by its age on the monotonic clock, whatever the wall clock does.</summary>
public sealed class ProxySnapshotAgeTests : IAsyncLifetime
{
    private readonly FakeProxyAccessFactory _proxies = new();
    private readonly SteppedSystemClock _clock = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await FakeProxySilo.StartAsync(
        _proxies,
        o =>
        {
            o.Interval = TimeSpan.FromMilliseconds(50);
            o.SnapshotInterval = TimeSpan.FromMilliseconds(200);
        },
        _clock);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Monitor_WallClockSetBackAnHour_RenewsTheSnapshotAfterItsInterval()
    {
        var grain = _cluster.Client.GetGrain<IProxyGrain>("edge-age");
        await grain.RegisterAsync(new ProxyRegistration
        {
            RuntimeApi = "tcp://127.0.0.1:1",
            MapFile = Path.Combine(ServerProcess.TestFilesRoot, $"edge-age-{Guid.NewGuid():N}.map"),
        });
        var first = (await grain.GetStatusAsync()).BackendsReadAt;
        Assert.NotNull(first);

        _clock.Jump(-TimeSpan.FromHours(1));

        // Before the fix the snapshot's age was now − read: negative for the next hour, so it was never renewed.
        var status = await Eventually.UntilAsync(
            () => grain.GetStatusAsync(),
            s => s.BackendsReadAt < first - TimeSpan.FromMinutes(30),
            TimeSpan.FromSeconds(10),
            "a snapshot taken after the wall clock was set back");
        Assert.True(status.Reachable);
    }
}
