using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>deploy/haproxy/haproxy.cfg is the renderer's output for this model, and haproxy accepts it.</summary>
public sealed class DeployExampleTests
{
    private static readonly HaProxyConfig Example = new()
    {
        Name = "edge-1",
        Frontend = new ListenAddress("0.0.0.0", 8080),
        RuntimeApi = "tcp://127.0.0.1:9999",
        StatsPage = new ListenAddress("127.0.0.1", 8404),
        MapFile = "/usr/local/etc/haproxy/hosts.map",
        Services =
        [
            new ServiceBackends
            {
                Name = "web",
                Blue = [new BackendServer("web-blue-0", "127.0.0.1", 3000)],
                Green = [new BackendServer("web-green-0", "127.0.0.1", 4000)],
            },
        ],
    };

    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlueGreen.Orleans.sln")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new InvalidOperationException("Repository root not found.");
    }

    [Fact]
    public async Task ExampleConfig_MatchesRenderer()
    {
        var path = RepositoryFile("deploy/haproxy/haproxy.cfg");
        if (Environment.GetEnvironmentVariable("BLUEGREEN_UPDATE_EXAMPLES") == "1")
        {
            // Regenerate after a deliberate renderer change: BLUEGREEN_UPDATE_EXAMPLES=1 dotnet test --filter DeployExample
            await File.WriteAllTextAsync(path, HaProxyConfigRenderer.Render(Example));
        }

        var committed = await File.ReadAllTextAsync(path);

        Assert.Equal(HaProxyConfigRenderer.Render(Example), committed);
    }

    [Fact]
    public async Task ExampleConfig_PassesHaProxyCheck()
    {
        using var folder = new TempFolder("example");
        var map = folder.File("hosts.map");
        File.Copy(RepositoryFile("deploy/haproxy/hosts.map"), map);
        var cfg = folder.File("haproxy.cfg");
        await File.WriteAllTextAsync(cfg, HaProxyConfigRenderer.Render(Example with { MapFile = map }));

        await LocalHaProxy.CheckConfigAsync(cfg);
    }
}
