using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// How a proxy grain reads backends for deployments (<c>ProxyGrain.Watch.cs</c>), against an HAProxy in memory that
/// counts its reads: reads asked together share one batch, a recent read answers from memory except after a forced
/// recheck, and a watcher hears of a change without asking. The real haproxy path: the deployment integration tests.
/// </summary>
public sealed class ProxyGrainReadTests : IAsyncLifetime
{
    private readonly FakeProxyAccessFactory _proxies = new();
    private InProcessTestCluster _cluster = null!;

    // Reads stay fresh for an hour unless a test says otherwise: what is read again is then only what must be.
    public async Task InitializeAsync() => _cluster = await FakeProxySilo.StartAsync(_proxies, o =>
    {
        o.Interval = TimeSpan.FromHours(1);
        o.ReadFreshness = TimeSpan.FromHours(1);
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GetBackendAsync_ManyAskedWhileAReadIsUnderWay_OneMoreBatchReadsThemAll()
    {
        var (grain, proxy) = await RegisterAsync("edge-batch");
        proxy.HoldReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = grain.GetBackendAsync("svc0_blue");
        await Eventually.UntilAsync(() => Task.FromResult(proxy.BackendReads.Count), n => n == 1, TimeSpan.FromSeconds(10), "the first read under way");

        var rest = Enumerable.Range(1, 20).Select(i => grain.GetBackendAsync($"svc{i}_blue")).ToList();
        await Task.Delay(200);
        proxy.HoldReads.SetResult();
        var reports = await Task.WhenAll([first, .. rest]);

        Assert.Equal(2, proxy.BackendReads.Count);
        Assert.Equal(20, proxy.BackendReads[1].Count);
        Assert.All(reports, r => Assert.True(r.AllUp, r.Backend));
        Assert.Equal(Enumerable.Range(0, 21).Select(i => $"svc{i}_blue"), reports.Select(r => r.Backend));
    }

    [Fact]
    public async Task WatchBackendAsync_AfterAForcedRecheck_ReadsAgainInsteadOfAnsweringFromTheReadBefore()
    {
        var (grain, proxy) = await RegisterAsync("edge-recheck");
        var watcher = _cluster.Client.GetGrain<IRecordingWatcherGrain>("recheck");
        Assert.True((await grain.WatchBackendAsync("web_green", watcher)).AllUp);
        Assert.True((await grain.WatchBackendAsync("web_green", watcher)).AllUp);
        Assert.Single(proxy.BackendReads);

        // The release forces the target DOWN so that only a check from now on brings it UP: an UP read before that
        // must not let the deployment switch.
        proxy.ServerStatus["web_green"] = "DOWN";
        await grain.ForceRecheckAsync("web_green");
        var after = await grain.WatchBackendAsync("web_green", watcher);

        // Reads: the first watch, the recheck's own (which servers to force DOWN), the watch after it.
        Assert.Equal(3, proxy.BackendReads.Count);
        Assert.Equal("DOWN", after.Servers.Single().Status);
    }

    [Fact]
    public async Task ForceRecheckAsync_ManyAskedWhileOneIsUnderWay_OneMoreBatchForcesThemAllDown()
    {
        var (grain, proxy) = await RegisterAsync("edge-rechecks");
        proxy.HoldReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = grain.ForceRecheckAsync("svc0_green");
        await Eventually.UntilAsync(() => Task.FromResult(proxy.BackendReads.Count), n => n == 1, TimeSpan.FromSeconds(10), "the first recheck under way");

        var rest = Enumerable.Range(1, 20).Select(i => grain.ForceRecheckAsync($"svc{i}_green")).ToList();
        await Task.Delay(200);
        proxy.HoldReads.SetResult();
        await Task.WhenAll([first, .. rest]);

        Assert.Equal(2, proxy.HealthBatches.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => ($"svc{i}_green", "s1")).Order(), proxy.HealthBatches[1].Order());
    }

    [Fact]
    public async Task GetBackendAsync_ReadJustBefore_ReadsAgain()
    {
        // What a switch decides on: the proxy as it is now, not as it was a moment ago (it may have died since).
        var (grain, proxy) = await RegisterAsync("edge-now");
        var watcher = _cluster.Client.GetGrain<IRecordingWatcherGrain>("now");
        Assert.True((await grain.WatchBackendAsync("web_green", watcher)).AllUp);
        proxy.ServerStatus["web_green"] = "DOWN";

        var now = await grain.GetBackendAsync("web_green");

        Assert.Equal(2, proxy.BackendReads.Count);
        Assert.Equal("DOWN", now.Servers.Single().Status);
    }

    [Fact]
    public async Task WatchBackendAsync_TheBackendChanges_TheWatcherIsToldWithoutAsking()
    {
        await using var cluster = await FakeProxySilo.StartAsync(_proxies, o =>
        {
            o.Interval = TimeSpan.FromHours(1);
            o.ReadFreshness = TimeSpan.FromMilliseconds(50);
        });
        var (grain, proxy) = await RegisterAsync("edge-watch", cluster);
        var watcher = cluster.Client.GetGrain<IRecordingWatcherGrain>("deployment");
        proxy.ServerStatus["web_green"] = "DOWN";
        Assert.False((await grain.WatchBackendAsync("web_green", watcher)).AllUp);

        proxy.ServerStatus["web_green"] = "UP";

        var heard = await Eventually.UntilAsync(() => watcher.HeardAsync(), h => h.Count > 0, TimeSpan.FromSeconds(10), "the watcher told of web_green UP");
        Assert.Equal(["edge-watch/web_green"], heard);
        Assert.True((await grain.GetBackendAsync("web_green")).AllUp);
    }

    private async Task<(IProxyGrain Grain, FakeProxyAccess Proxy)> RegisterAsync(string id, InProcessTestCluster? cluster = null)
    {
        var mapFile = Path.Combine(ServerProcess.TestFilesRoot, $"{id}-{Guid.NewGuid():N}.map");
        var grain = (cluster ?? _cluster).Client.GetGrain<IProxyGrain>(id);
        await grain.RegisterAsync(new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:1", MapFile = mapFile });
        return (grain, _proxies.For(mapFile));
    }
}
