using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// The proxy grain's own decisions against an HAProxy in memory (<see cref="FakeProxyAccess"/>): which error a failure
/// becomes, and what it puts back. The integration tests beside these drive real haproxy processes.
/// </summary>
public sealed class ProxyGrainTests : IAsyncLifetime
{
    private const string Key = "web.local";
    private const string StateName = "proxy";
    private readonly FakeProxyAccessFactory _proxies = new();
    private static long _version;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await FakeProxySilo.StartAsync(_proxies);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SaveRouteAsync_MapFileWriteFails_PutsThePreviousRouteBack()
    {
        var (grain, proxy) = await RegisterAsync("edge-save");
        await grain.SwitchRouteAsync(Key, "web_blue", NextVersion());
        await grain.SaveRouteAsync(Key, "web_blue", NextVersion());
        await grain.SwitchRouteAsync(Key, "web_green", NextVersion());
        proxy.FileFailure = new IOException("disk full");

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SaveRouteAsync(Key, "web_green", NextVersion()));

        Assert.Equal(ErrorCode.Unavailable, error.Code);
        Assert.Contains("put back", error.Message, StringComparison.Ordinal);
        Assert.Equal("web_blue", proxy.RuntimeRoute(Key));
        Assert.Equal("web_blue", proxy.FileRoute(Key));
        Assert.Equal("web_blue", (await grain.GetStatusAsync()).Routes[Key]);
    }

    [Fact]
    public async Task SaveRouteAsync_StoredRecordChangedBehindTheGrain_FailsOnceThenTheGrainRereadsIt()
    {
        var (grain, proxy) = await RegisterAsync("edge-stale");
        await grain.SwitchRouteAsync(Key, "web_blue", NextVersion());
        await grain.SaveRouteAsync(Key, "web_blue", NextVersion());
        // Another writer saves the record after this activation read it (as after a store was wiped and refilled).
        await ChangeStoredRecordAsync(grain, s => s with { Routes = s.Routes.SetItem("other.local", "other_blue") });
        await grain.SwitchRouteAsync(Key, "web_green", NextVersion());

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.SaveRouteAsync(Key, "web_green", NextVersion()));

        Assert.Equal("web_blue", proxy.RuntimeRoute(Key));
        var status = await grain.GetStatusAsync();
        Assert.Equal("other_blue", status.Routes.GetValueOrDefault("other.local"));
        Assert.Equal("web_blue", status.Routes[Key]);
        await grain.SwitchRouteAsync(Key, "web_green", NextVersion());
        await grain.SaveRouteAsync(Key, "web_green", NextVersion());
        Assert.Equal("web_green", (await ReadStoredRecordAsync(grain)).State?.Routes[Key]);
    }

    [Fact]
    public async Task RegisterAsync_MapFileAnotherProxyWrites_IsRefusedNamingThatProxy()
    {
        using var folder = new TempFolder("shared-map");
        Directory.CreateSymbolicLink(folder.File("link"), folder.Path);
        var first = _cluster.Client.GetGrain<IProxyGrain>("edge-first");
        await first.RegisterAsync(new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:1", MapFile = folder.File("hosts.map") });
        var second = _cluster.Client.GetGrain<IProxyGrain>("edge-second");

        // The same file through a symlink to its folder: compared by real path, not by the text sent.
        var error = await Assert.ThrowsAsync<BlueGreenException>(() => second.RegisterAsync(
            new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:2", MapFile = Path.Combine(folder.File("link"), "hosts.map") }));

        Assert.Equal(ErrorCode.AlreadyExists, error.Code);
        Assert.Contains("proxy 'edge-first'", error.Message, StringComparison.Ordinal);
        Assert.Null((await second.GetStatusAsync()).Registration);
        Assert.DoesNotContain("edge-second", await _cluster.Client.GetCatalogGrain().ListProxiesAsync());
    }

    [Fact]
    public async Task SwitchAndSaveRouteAsync_OlderVersionArrivesAfterANewerChange_RefusedAndNothingChanges()
    {
        var (grain, proxy) = await RegisterAsync("edge-late");
        await grain.SwitchRouteAsync(Key, "web_blue", 10);
        await grain.SaveRouteAsync(Key, "web_blue", 10);

        // Version 9: a switch to green whose sender timed out and reverted (version 10) before it arrived.
        var lateSwitch = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SwitchRouteAsync(Key, "web_green", 9));
        var lateSave = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SaveRouteAsync(Key, "web_green", 9));
        var again = await grain.SwitchRouteAsync(Key, "web_blue", 10);

        Assert.All([lateSwitch, lateSave], e => Assert.Equal(ErrorCode.FailedPrecondition, e.Code));
        Assert.Contains("at version 9 refused: the route is at version 10", lateSwitch.Message, StringComparison.Ordinal);
        Assert.Equal("web_blue", proxy.RuntimeRoute(Key));
        Assert.Equal("web_blue", proxy.FileRoute(Key));
        Assert.Equal("web_blue", (await grain.GetStatusAsync()).Routes[Key]);
        Assert.NotEqual(default, again);
    }

    [Fact]
    public async Task RemoveRouteAsync_ThenALateSwitchOfTheKey_RefusedAndTheKeyStaysUnrouted()
    {
        var (grain, proxy) = await RegisterAsync("edge-removed");
        await grain.SwitchRouteAsync(Key, "web_blue", 1);
        await grain.SaveRouteAsync(Key, "web_blue", 1);
        await grain.RemoveRouteAsync(Key, 3);

        var late = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SwitchRouteAsync(Key, "web_green", 2));

        Assert.Equal(ErrorCode.FailedPrecondition, late.Code);
        Assert.Null(proxy.RuntimeRoute(Key));
        Assert.False((await grain.GetStatusAsync()).Routes.ContainsKey(Key));
    }

    [Fact]
    public async Task RemoveRouteAsync_ProxyUnreachable_RouteNoLongerDesiredAndTheNextProbeRemovesIt()
    {
        var (grain, proxy) = await RegisterAsync("edge-dropped");
        await grain.SwitchRouteAsync(Key, "web_blue", 1);
        await grain.SaveRouteAsync(Key, "web_blue", 1);
        proxy.RuntimeFailure = new HaProxyConnectionException("tcp://127.0.0.1:1", "connection refused");

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => grain.RemoveRouteAsync(Key, 2));
        var desired = (await grain.GetStatusAsync()).Routes;
        proxy.RuntimeFailure = null;
        // The proxy answers again; registering it once more probes it at once, as the monitor's next tick would.
        await grain.RegisterAsync((await grain.GetStatusAsync()).Registration!);

        Assert.Equal(ErrorCode.Unavailable, error.Code);
        Assert.False(desired.ContainsKey(Key));
        Assert.Null(proxy.RuntimeRoute(Key));
        Assert.Null(proxy.FileRoute(Key));
    }

    [Fact]
    public async Task SwitchRouteAsync_ProxyUnreachable_IsUnavailableAndMarksTheProxyUnreachable()
    {
        var (grain, proxy) = await RegisterAsync("edge-down");
        proxy.RuntimeFailure = new HaProxyConnectionException("tcp://127.0.0.1:1", "connection refused");

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SwitchRouteAsync(Key, "web_green", NextVersion()));

        var status = await grain.GetStatusAsync();
        Assert.Equal(ErrorCode.Unavailable, error.Code);
        Assert.Contains("edge-down", error.Message, StringComparison.Ordinal);
        Assert.False(status.Reachable);
        Assert.Contains("connection refused", status.LastError, StringComparison.Ordinal);
        Assert.False(status.Routes.ContainsKey(Key));
    }

    [Fact]
    public async Task SwitchRouteAsync_KeyHaProxyMustNotSee_IsInvalidArgumentAndTheProxyStaysReachable()
    {
        var (grain, proxy) = await RegisterAsync("edge-hostile");

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SwitchRouteAsync("x; shutdown sessions server web_blue/s1", "web_green", NextVersion()));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.True((await grain.GetStatusAsync()).Reachable);
        Assert.Null(proxy.RuntimeRoute("x"));
    }

    [Fact]
    public async Task GetBackendAsync_ProxyUnreachable_ReportsItInsteadOfThrowing()
    {
        var (grain, proxy) = await RegisterAsync("edge-report");
        proxy.RuntimeFailure = new HaProxyTimeoutException("tcp://127.0.0.1:1", "show stat", TimeSpan.FromSeconds(5));

        var report = await grain.GetBackendAsync("web_blue");

        Assert.False(report.Reachable);
        Assert.Equal("web_blue", report.Backend);
        Assert.NotNull(report.Error);
        Assert.False((await grain.GetStatusAsync()).Reachable);
    }

    [Fact]
    public async Task SaveRouteAsync_FiftySavesArriveWhileAWriteRuns_AllStoredByOneMoreMapFileWrite()
    {
        var (grain, proxy) = await RegisterAsync("edge-many");
        var keys = Enumerable.Range(0, 50).Select(i => $"svc-{i}.local").ToList();
        var version = NextVersion();
        var writesBefore = proxy.FileWrites;
        var slowDisk = proxy.HoldFileWrites();

        // Saves alone (as after a reactivation between switch and save): each shows in memory when it arrives.
        var saves = keys.Select(k => grain.SaveRouteAsync(k, "web_green", version)).ToList();
        await Eventually.UntilAsync(() => grain.GetStatusAsync(), s => keys.All(s.Routes.ContainsKey), TimeSpan.FromSeconds(10), "every save in memory while the first write hangs");
        slowDisk.SetResult();
        await Task.WhenAll(saves);

        // The first save's write, then one for the 49 that arrived while it ran (one each before group commit).
        Assert.Equal(2, proxy.FileWrites - writesBefore);
        var stored = (await ReadStoredRecordAsync(grain)).State!;
        Assert.All(keys, k =>
        {
            Assert.Equal("web_green", proxy.FileRoute(k));
            Assert.Equal("web_green", stored.Routes.GetValueOrDefault(k));
        });
    }

    [Fact]
    public async Task SaveRouteAsync_MapFileWriteFailsForABatch_EveryCallerFailsAndEveryRouteIsPutBack()
    {
        var (grain, proxy) = await RegisterAsync("edge-many-fail");
        var keys = Enumerable.Range(0, 30).Select(i => $"svc-{i}.local").ToList();
        var blue = NextVersion();
        await Task.WhenAll(keys.Select(k => grain.SwitchRouteAsync(k, "web_blue", blue)));
        await Task.WhenAll(keys.Select(k => grain.SaveRouteAsync(k, "web_blue", blue)));
        var green = NextVersion();
        await Task.WhenAll(keys.Select(k => grain.SwitchRouteAsync(k, "web_green", green)));
        proxy.FileFailure = new IOException("disk full");

        var saves = keys.Select(k => grain.SaveRouteAsync(k, "web_green", green)).ToList();
        var errors = new List<BlueGreenException>();
        foreach (var save in saves)
        {
            errors.Add(await Assert.ThrowsAsync<BlueGreenException>(() => save));
        }

        Assert.All(errors, e => Assert.Equal(ErrorCode.Unavailable, e.Code));
        Assert.All(errors, e => Assert.Contains("put back", e.Message, StringComparison.Ordinal));
        var routes = (await grain.GetStatusAsync()).Routes;
        var stored = (await ReadStoredRecordAsync(grain)).State!;
        Assert.All(keys, k =>
        {
            Assert.Equal("web_blue", proxy.RuntimeRoute(k));
            Assert.Equal("web_blue", proxy.FileRoute(k));
            Assert.Equal("web_blue", routes[k]);
            Assert.Equal("web_blue", stored.Routes[k]);
        });
    }

    [Fact]
    public async Task RemoveRouteAsync_ThirtyRemovalsArriveWhileAWriteRuns_AllGoneAfterOneMoreMapFileWrite()
    {
        var (grain, proxy) = await RegisterAsync("edge-many-removed");
        var keys = Enumerable.Range(0, 30).Select(i => $"svc-{i}.local").ToList();
        var version = NextVersion();
        await Task.WhenAll(keys.Select(k => grain.SwitchRouteAsync(k, "web_blue", version)));
        await Task.WhenAll(keys.Select(k => grain.SaveRouteAsync(k, "web_blue", version)));
        var writesBefore = proxy.FileWrites;
        var removal = NextVersion();
        var slowDisk = proxy.HoldFileWrites();

        var removals = keys.Select(k => grain.RemoveRouteAsync(k, removal)).ToList();
        await Eventually.UntilAsync(() => grain.GetStatusAsync(), s => !keys.Any(s.Routes.ContainsKey), TimeSpan.FromSeconds(10), "every removal in memory while the first write hangs");
        slowDisk.SetResult();
        await Task.WhenAll(removals);

        Assert.Equal(2, proxy.FileWrites - writesBefore);
        var stored = (await ReadStoredRecordAsync(grain)).State!;
        Assert.All(keys, k =>
        {
            Assert.Null(proxy.RuntimeRoute(k));
            Assert.Null(proxy.FileRoute(k));
            Assert.False(stored.Routes.ContainsKey(k));
            Assert.Equal(removal, stored.RouteVersions[k]);
        });
    }

    /// <summary>Writes the grain's record through the storage provider, as a second writer would.</summary>
    private async Task ChangeStoredRecordAsync(IProxyGrain grain, Func<ProxyState, ProxyState> change)
    {
        var record = await ReadStoredRecordAsync(grain);
        record.State = change(record.State ?? new ProxyState());
        await Storage().WriteStateAsync(StateName, grain.GetGrainId(), record);
    }

    private async Task<GrainState<ProxyState>> ReadStoredRecordAsync(IProxyGrain grain)
    {
        var record = new GrainState<ProxyState>();
        await Storage().ReadStateAsync(StateName, grain.GetGrainId(), record);
        return record;
    }

    private IGrainStorage Storage() => _cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(BlueGreenStorage.Name);

    private async Task<(IProxyGrain Grain, FakeProxyAccess Proxy)> RegisterAsync(string id)
    {
        var mapFile = Path.Combine(ServerProcess.TestFilesRoot, $"{id}-{Guid.NewGuid():N}.map");
        var grain = _cluster.Client.GetGrain<IProxyGrain>(id);
        await grain.RegisterAsync(new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:1", MapFile = mapFile });
        return (grain, _proxies.For(mapFile));
    }

    /// <summary>Route versions in the order the calls are made, whatever order the tests run in.</summary>
    private static long NextVersion() => Interlocked.Increment(ref _version);
}
