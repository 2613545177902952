using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// Many route changes at once on one proxy grain against a real haproxy: they share grain state and map file writes
/// (group commit), end up in HAProxy, the file and storage alike, and a write that fails fails every caller it carried.
/// </summary>
public sealed class ProxyGroupCommitTests : IAsyncLifetime
{
    private const string Key = OneProxyStage.Key;
    private const string StateName = "proxy";
    private static long _version;
    private readonly FaultyGrainStorage _storage = new();
    private OneProxyStage? _stage;

    private HaProxyInstance HaProxy => _stage!.HaProxy;

    private IProxyGrain Grain => _stage!.Grain;

    // No monitor tick during a test: every write counted is one a route call caused.
    public async Task InitializeAsync() => _stage = await OneProxyStage.StartAsync("edge-commit", TimeSpan.FromHours(1), _storage);

    public async Task DisposeAsync()
    {
        if (_stage is not null)
        {
            await _stage.DisposeAsync();
        }
    }

    [Fact]
    public async Task SwitchAndSaveRouteAsync_FiftyServicesAtOnce_AllServedFiledAndStoredWithFewWrites()
    {
        var keys = Enumerable.Range(0, 50).Select(i => $"svc-{i}.local").ToList();
        var version = NextVersion();
        using var fileWrites = new MapFileWrites(HaProxy.MapFile);
        var stateWritesBefore = _storage.Writes(StateName);
        var switched = keys.ToDictionary(k => k, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        // The first save's state write waits for a slow store until every switch is through: the saves sent meanwhile
        // share the next write. (Before group commit, a save held the grain: the switches behind it could not finish.)
        var slowStore = _storage.HoldWrites(StateName);
        var calls = Task.WhenAll(keys.Select(async k =>
        {
            await Grain.SwitchRouteAsync(k, "web_green", version);
            switched[k].SetResult();
            await Grain.SaveRouteAsync(k, "web_green", version);
        }));
        try
        {
            await Task.WhenAll(switched.Values.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            _storage.Heal(StateName);
            slowStore.SetResult();
        }

        await calls;

        var runtime = await RuntimeRoutesAsync();
        var file = (await MapFile.ReadAsync(HaProxy.MapFile)).ToDictionary(e => e.Key, e => e.Value);
        var stored = await _storage.StoredAsync<ProxyState>(StateName);
        Assert.All(keys, k =>
        {
            Assert.Equal("web_green", runtime.GetValueOrDefault(k));
            Assert.Equal("web_green", file.GetValueOrDefault(k));
            Assert.Equal("web_green", stored.Routes.GetValueOrDefault(k));
        });
        // The entry this server never changed stays in the file.
        Assert.Equal("web_blue", file[Key]);
        // One save alone costs one state write and one map file write: 50 each before group commit.
        Assert.InRange(_storage.Writes(StateName) - stateWritesBefore, 1, 25);
        Assert.InRange(await fileWrites.CountAsync(), 1, 25);
    }

    [Fact]
    public async Task SaveRouteAsync_MapFileUnwritableForManySaves_EveryCallerFailsAndEveryRouteIsPutBack()
    {
        var keys = Enumerable.Range(0, 20).Select(i => $"svc-{i}.local").ToList();
        var blue = NextVersion();
        await Task.WhenAll(keys.Select(async k =>
        {
            await Grain.SwitchRouteAsync(k, "web_blue", blue);
            await Grain.SaveRouteAsync(k, "web_blue", blue);
        }));
        var green = NextVersion();
        await Task.WhenAll(keys.Select(k => Grain.SwitchRouteAsync(k, "web_green", green)));
        // A folder in the file's place: tests run as root, so permissions would not stop the write.
        File.Delete(HaProxy.MapFile);
        Directory.CreateDirectory(HaProxy.MapFile);

        var saves = keys.Select(k => Grain.SaveRouteAsync(k, "web_green", green)).ToList();
        var errors = new List<BlueGreenException>();
        foreach (var save in saves)
        {
            errors.Add(await Assert.ThrowsAsync<BlueGreenException>(() => save));
        }

        Assert.All(errors, e => Assert.Equal(ErrorCode.Unavailable, e.Code));
        Assert.All(errors, e => Assert.Contains("put back", e.Message, StringComparison.Ordinal));
        var runtime = await RuntimeRoutesAsync();
        var desired = (await Grain.GetStatusAsync()).Routes;
        var stored = await _storage.StoredAsync<ProxyState>(StateName);
        Assert.All(keys, k =>
        {
            Assert.Equal("web_blue", runtime.GetValueOrDefault(k));
            Assert.Equal("web_blue", desired.GetValueOrDefault(k));
            Assert.Equal("web_blue", stored.Routes.GetValueOrDefault(k));
        });
    }

    private async Task<IReadOnlyDictionary<string, string>> RuntimeRoutesAsync()
    {
        await using var client = HaProxy.CreateClient();
        return await HaProxy.CreateRouteMap(client).ReadRuntimeAsync();
    }

    /// <summary>Route versions in the order the calls are made, whatever order the tests run in.</summary>
    private static long NextVersion() => Interlocked.Increment(ref _version);
}
