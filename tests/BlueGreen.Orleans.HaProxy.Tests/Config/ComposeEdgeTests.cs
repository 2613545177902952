using System.Text.RegularExpressions;
using BlueGreen.Orleans.Harness;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>
/// docker-compose.yml's edges are laid out as on separate proxy hosts: each HAProxy shares one volume (its unix sockets
/// and its map) with its own bluegreen-agent and with nobody else, no volume joins the silos or the gateway to an edge,
/// no HAProxy has a TCP admin socket, and the paths agree across the compose file, deploy/haproxy/edge-*.cfg and
/// deploy/compose/proxies.sh. The file is parsed here, not run: this machine cannot pull the images.
/// </summary>
public sealed partial class ComposeEdgeTests
{
    private static readonly IReadOnlyDictionary<string, ComposeService> Services = Load();

    /// <summary>Docker restart policies that start a container again after it exited with an error.</summary>
    private static readonly string[] RestartingPolicies = ["always", "unless-stopped", "on-failure"];

    public static TheoryData<int> Edges => [1, 2];

    [Theory]
    [MemberData(nameof(Edges))]
    public void EdgeVolume_SharedByItsHaProxyAndAgentOnly(int n)
    {
        var haproxy = HaProxyOf(n);
        var agent = AgentOf(n);

        // One named volume per HAProxy (beside the read-only bind mount of deploy/haproxy), and exactly its agent mounts it too.
        var volume = Assert.Single(haproxy.Volumes, v => v.IsNamed);
        Assert.Equal([agent.Name, haproxy.Name], MountersOf(volume.Source));
        // The same folder in both: HAProxy's config and the agent's command line name the same paths.
        Assert.Equal(volume.Target, agent.Volumes.Single(v => v.Source == volume.Source).Target);
        Assert.False(volume.ReadOnly);
    }

    [Fact]
    public void Volumes_NoneSharedBetweenServerAndEdgesOrBetweenEdges()
    {
        var server = Services.Values.Where(s => s.Dockerfile == "deploy/server/Dockerfile").ToList();
        Assert.Equal(["gateway", "silo-1", "silo-2"], server.Select(s => s.Name).Order(StringComparer.Ordinal));

        // The silos write no map file and reach no Runtime API any more: they mount no volume of their own at all.
        Assert.All(server, s => Assert.DoesNotContain(s.Volumes, v => v.IsNamed));
        var edgeVolumes = Enumerable.Range(1, 2).Select(n => new[] { HaProxyOf(n), AgentOf(n) }.SelectMany(s => s.Volumes).Where(v => v.IsNamed).Select(v => v.Source).ToHashSet()).ToList();
        Assert.Empty(edgeVolumes[0].Intersect(edgeVolumes[1]));
        var named = server.SelectMany(s => s.Volumes).Where(v => v.IsNamed).Select(v => v.Source);
        Assert.All(edgeVolumes, edge => Assert.Empty(edge.Intersect(named)));
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public async Task Agent_PathsAgreeWithItsHaProxyConfigAndCredential(int n)
    {
        var haproxy = HaProxyOf(n);
        var agent = AgentOf(n);
        var edgeFolder = haproxy.Volumes.Single(v => v.IsNamed).Target + "/";
        var cfg = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "haproxy", $"edge-{n}.cfg"));

        var runtimeApi = Unix(agent.Option("--runtime-api"));
        var masterApi = Unix(agent.Option("--master-api"));
        var mapFile = agent.Option("--map-file");
        Assert.All(new[] { runtimeApi, masterApi, mapFile }, path => Assert.StartsWith(edgeFolder, path, StringComparison.Ordinal));
        Assert.Contains($"\n    stats socket {runtimeApi} ", cfg, StringComparison.Ordinal);
        Assert.Contains($",map({mapFile},", cfg, StringComparison.Ordinal);
        Assert.StartsWith(masterApi + ",", haproxy.Option("-S"), StringComparison.Ordinal);

        // The credential: a volume the agent mounts read-only, which the cli service mounts where proxies.sh writes it.
        var credential = agent.Option("--credential-file");
        var credentials = agent.Volumes.Single(v => v.IsNamed && v.Target == Path.GetDirectoryName(credential));
        Assert.True(credentials.ReadOnly);
        Assert.Equal([agent.Name, "cli"], MountersOf(credentials.Source));
        var written = Services["cli"].Volumes.Single(v => v.Source == credentials.Source).Target + "/" + Path.GetFileName(credential);
        var proxies = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "compose", "proxies.sh"));
        Assert.Contains($" proxy add edge-{n} --agent --credential-file {written}\n", proxies, StringComparison.Ordinal);

        // Until that file exists the agent exits 64 at start; only a restart policy brings it back once it does.
        Assert.Contains(agent.Restart, RestartingPolicies);
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public async Task EdgeConfig_RuntimeApiAndMasterCli_UnixSocketsOnly(int n)
    {
        var cfg = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "haproxy", $"edge-{n}.cfg"));

        var sockets = cfg.Split('\n').Where(line => line.TrimStart().StartsWith("stats socket ", StringComparison.Ordinal)).ToList();
        // A TCP stats socket (ipv4@, ipv6@, host:port) would be an unauthenticated admin port: anyone reaching it runs `set map`.
        Assert.All(sockets, line => Assert.Matches(@"^\s*stats socket /[A-Za-z0-9._/-]+ mode 600 level admin", line));
        Assert.NotEmpty(sockets);
        Assert.DoesNotMatch(TcpAddress(), string.Join('\n', sockets));
        Assert.Matches(@"^/[A-Za-z0-9._/-]+,mode,600,level,user\z", HaProxyOf(n).Option("-S"));
        // The stats page stays, on loopback.
        Assert.Contains($"\nlisten stats\n    bind 127.0.0.1:{8403 + n}\n", cfg, StringComparison.Ordinal);
    }

    private static ComposeService HaProxyOf(int n) =>
        Assert.Single(Services.Values, s => s.Image.StartsWith("haproxy:", StringComparison.Ordinal) && s.Command.Contains("-f") && s.Option("-f").EndsWith($"/edge-{n}.cfg", StringComparison.Ordinal));

    private static ComposeService AgentOf(int n) =>
        Assert.Single(Services.Values, s => s.Dockerfile == "deploy/agent/Dockerfile" && s.Option("--proxy-id") == $"edge-{n}");

    private static List<string> MountersOf(string volume) =>
        Services.Values.Where(s => s.Volumes.Any(v => v.Source == volume)).Select(s => s.Name).Order(StringComparer.Ordinal).ToList();

    private static string Unix(string endpoint)
    {
        Assert.StartsWith("unix://", endpoint, StringComparison.Ordinal);
        return endpoint["unix://".Length..];
    }

    /// <summary>The compose file with its YAML merge keys (<c>&lt;&lt;: *haproxy</c>) applied, as docker compose reads it.</summary>
    private static Dictionary<string, ComposeService> Load()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml")));
        var root = (Dictionary<object, object>)new DeserializerBuilder().Build().Deserialize(new MergingParser(new Parser(reader)))!;
        return ((Dictionary<object, object>)root["services"]).ToDictionary(e => (string)e.Key, e => ComposeService.From((string)e.Key, (Dictionary<object, object>)e.Value));
    }

    [GeneratedRegex(@"ipv4@|ipv6@|\b\d{1,3}(\.\d{1,3}){3}:\d+|:\d{2,5}\b", RegexOptions.CultureInvariant)]
    private static partial Regex TcpAddress();
}
