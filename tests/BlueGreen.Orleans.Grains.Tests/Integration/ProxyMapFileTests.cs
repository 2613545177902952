using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// A proxy grain whose map file cannot be written, against a real haproxy: what storage keeps, what HAProxy serves,
/// and what the file holds once it can be written again. The file is made unwritable by putting a folder in its place
/// (tests run as root, so permissions would not stop the write).
/// </summary>
public sealed class ProxyMapFileTests : IAsyncLifetime
{
    private const string Key = OneProxyStage.Key;
    private static long _version;
    private OneProxyStage? _stage;

    private HaProxyInstance HaProxy => _stage!.HaProxy;

    private IProxyGrain Grain => _stage!.Grain;

    public async Task InitializeAsync()
    {
        _stage = await OneProxyStage.StartAsync("edge-map", TimeSpan.FromMilliseconds(250));
        try
        {
            await Grain.SwitchRouteAsync(Key, "web_blue", NextVersion());
            await Grain.SaveRouteAsync(Key, "web_blue", NextVersion());
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_stage is not null)
        {
            await _stage.DisposeAsync();
        }
    }

    [Fact]
    public async Task SaveRouteAsync_MapFileUnwritableThenGrainReactivated_StoresAndServesThePreviousRoute()
    {
        await Grain.SwitchRouteAsync(Key, "web_green", NextVersion());
        BreakMapFile();

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => Grain.SaveRouteAsync(Key, "web_green", NextVersion()));

        Assert.Contains("put back", error.Message, StringComparison.Ordinal);
        Assert.Equal("web_blue", await RuntimeRouteAsync());
        await _stage!.Cluster.DeactivateAsync(Grain);
        // The new activation holds what storage kept, and its monitor applies it to HAProxy.
        var status = await Eventually.UntilAsync(() => Grain.GetStatusAsync(), s => s.BackendsReadAt is not null, TimeSpan.FromSeconds(10), "a monitor tick of the new activation");
        Assert.Equal("web_blue", status.Routes[Key]);
        Assert.Equal("web_blue", await RuntimeRouteAsync());
    }

    [Fact]
    public async Task Monitor_MapFileUnwritableWhenItReappliedARoute_WritesTheFileOnceItCan()
    {
        BreakMapFile();
        // HAProxy's runtime map drifts from the desired route: the monitor re-applies it, but cannot write the file.
        await using (var client = HaProxy.CreateClient())
        {
            await HaProxy.CreateRouteMap(client).SetRuntimeRouteAsync(Key, "web_green");
        }

        await Eventually.UntilAsync(RuntimeRouteAsync, r => r == "web_blue", TimeSpan.FromSeconds(10), "the monitor re-applying web_blue");
        var reapplied = DateTimeOffset.UtcNow;
        // A tick that starts later means the one that re-applied the route (and failed to write the file) is over.
        await Eventually.UntilAsync(() => Grain.GetStatusAsync(), s => s.LastSeenAt > reapplied, TimeSpan.FromSeconds(10), "a monitor tick after the re-apply");
        Directory.Delete(HaProxy.MapFile);

        await Eventually.UntilAsync(
            () => MapFile.ReadAsync(HaProxy.MapFile),
            entries => entries.Contains(new MapEntry(Key, "web_blue")),
            TimeSpan.FromSeconds(10),
            "the map file holding web_blue again");
    }

    private void BreakMapFile()
    {
        File.Delete(HaProxy.MapFile);
        Directory.CreateDirectory(HaProxy.MapFile);
    }

    private async Task<string?> RuntimeRouteAsync()
    {
        await using var client = HaProxy.CreateClient();
        return await client.GetMapAsync(HaProxy.MapFile, Key);
    }

    /// <summary>Route versions in the order the calls are made, whatever order the tests run in.</summary>
    private static long NextVersion() => Interlocked.Increment(ref _version);
}
