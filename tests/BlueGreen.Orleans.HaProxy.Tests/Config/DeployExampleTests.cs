using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>
/// deploy/haproxy/haproxy.cfg and the docker compose cluster's edge-1.cfg / edge-2.cfg are the renderer's output for
/// these models, and haproxy accepts them.
/// </summary>
public sealed class DeployExampleTests
{
    private static readonly HaProxyConfig Example = new()
    {
        Name = "edge-1",
        Frontend = new ListenAddress("0.0.0.0", 8080),
        RuntimeApi = "tcp://127.0.0.1:9999",
        MasterApi = "unix:///run/haproxy/master.sock",
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

    /// <summary>
    /// The compose cluster's two proxies (docker-compose.yml): host networking, each its own frontend and stats page on
    /// 127.0.0.1; the Runtime API, the master CLI (docker-compose.yml's -S) and the map file in the edge's own volume at
    /// /var/lib/haproxy, which only that edge's agent also mounts. Renders must stay in step with the compose file
    /// (<see cref="ComposeEdgeTests"/>).
    /// </summary>
    internal static HaProxyConfig ComposeEdge(int n) => Example with
    {
        Name = $"edge-{n}",
        Frontend = new ListenAddress("127.0.0.1", 8079 + n),
        RuntimeApi = "unix:///var/lib/haproxy/admin.sock",
        MasterApi = "unix:///var/lib/haproxy/master.sock",
        StatsPage = new ListenAddress("127.0.0.1", 8403 + n),
        MapFile = "/var/lib/haproxy/hosts.map",
        // Server s0: the Docker runtime names a container <service>-<colour>-<server>, here web-blue-s0 and web-green-s0.
        Services =
        [
            new ServiceBackends
            {
                Name = "web",
                Blue = [new BackendServer("s0", "127.0.0.1", 3000)],
                Green = [new BackendServer("s0", "127.0.0.1", 4000)],
            },
        ],
    };

    public static TheoryData<string> Examples => ["haproxy.cfg", "edge-1.cfg", "edge-2.cfg"];

    private static HaProxyConfig Model(string file) => file switch
    {
        "haproxy.cfg" => Example,
        "edge-1.cfg" => ComposeEdge(1),
        "edge-2.cfg" => ComposeEdge(2),
        _ => throw new ArgumentOutOfRangeException(nameof(file), file, null),
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

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task ExampleConfig_MatchesRenderer(string file)
    {
        var path = RepositoryFile($"deploy/haproxy/{file}");
        if (Environment.GetEnvironmentVariable("BLUEGREEN_UPDATE_EXAMPLES") == "1")
        {
            // Regenerate after a deliberate renderer change: BLUEGREEN_UPDATE_EXAMPLES=1 dotnet test --filter DeployExample
            await File.WriteAllTextAsync(path, HaProxyConfigRenderer.Render(Model(file)));
        }

        var committed = await File.ReadAllTextAsync(path);

        Assert.Equal(HaProxyConfigRenderer.Render(Model(file)), committed);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task ExampleConfig_PassesHaProxyCheck(string file)
    {
        using var folder = new TempFolder("example");
        var map = folder.File("hosts.map");
        File.Copy(RepositoryFile("deploy/haproxy/hosts.map"), map);
        var cfg = folder.File("haproxy.cfg");
        // The map moved into the test's folder: haproxy -c opens it (it binds no socket, so the Runtime API stays put).
        await File.WriteAllTextAsync(cfg, HaProxyConfigRenderer.Render(Model(file) with { MapFile = map }));

        await LocalHaProxy.CheckConfigAsync(cfg);
    }
}
