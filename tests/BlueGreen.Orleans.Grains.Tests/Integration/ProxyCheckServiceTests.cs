using System.Collections.Immutable;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// A spec's check against a real haproxy, answered from the monitor's snapshot where that snapshot is of the worker
/// running now: a reload that changed the configuration must never be judged by the snapshot of the worker before it.
/// </summary>
public sealed class ProxyCheckServiceTests : IAsyncLifetime
{
    private OneProxyStage? _stage;

    private OneProxyStage Stage => _stage!;

    public async Task InitializeAsync() => _stage = await OneProxyStage.StartAsync("edge-check", TimeSpan.FromMilliseconds(250));

    public async Task DisposeAsync()
    {
        if (_stage is not null)
        {
            await _stage.DisposeAsync();
        }
    }

    [Fact]
    public async Task CheckService_ServerRenamedByAReloadSinceTheSnapshot_RefusedFromALiveRead()
    {
        var web = Backends("s1");
        await Eventually.UntilAsync(async () => (await Stage.Grain.GetStatusAsync()).BackendsReadAt, at => at is not null, TimeSpan.FromSeconds(10), "the monitor's first snapshot");
        Assert.Empty(await Stage.Grain.CheckServiceAsync(web));

        // The green server is renamed in the config, and the reload's new worker runs it before the monitor reads again.
        var config = Stage.HaProxy.Config with
        {
            Services = [.. Stage.HaProxy.Config.Services.Select(s => s with { Green = [.. s.Green.Select(g => g with { Name = "s9" })] })],
        };
        await File.WriteAllTextAsync(Stage.HaProxy.ConfigPath, HaProxyConfigRenderer.Render(config));
        await Stage.HaProxy.ReloadAsync();

        var problems = await Stage.Grain.CheckServiceAsync(web);

        Assert.Equal("backend web_green has no server s1 (it has: s9)", Assert.Single(problems));
        Assert.Empty(await Stage.Grain.CheckServiceAsync(Backends("s9")));
    }

    private static ImmutableDictionary<string, ImmutableList<string>> Backends(string green) =>
        ImmutableDictionary<string, ImmutableList<string>>.Empty.Add("web_blue", ["s1"]).Add("web_green", [green]);
}
