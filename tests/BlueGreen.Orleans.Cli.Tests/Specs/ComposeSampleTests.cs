using BlueGreen.Orleans.Cli.Specs;

namespace BlueGreen.Orleans.Cli.Tests.Specs;

/// <summary>deploy/compose/web.yaml, the compose cluster's sample spec, loads as the README tells users to apply it.</summary>
public sealed class ComposeSampleTests
{
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
    public void WebYaml_DockerColoursOnTheComposeProxiesAndPorts()
    {
        var spec = SpecFile.Load(RepositoryFile("deploy/compose/web.yaml"));

        Assert.Equal("web", spec.Name);
        Assert.Equal(["edge-1", "edge-2"], spec.Proxies);
        Assert.Equal("1", spec.LiveVersion);
        // The container names the runtime derives (<service>-<colour>-<server>) and the ports are docker-compose.yml's.
        foreach (var (colour, port) in new[] { (spec.Blue, 3000), (spec.Green, 4000) })
        {
            Assert.Equal("docker", colour.Runtime);
            Assert.Equal("bluegreen/echo:latest", colour.Image);
            Assert.Equal("unix:///var/run/docker.sock", colour.DockerEndpoint);
            // The cluster is built on host networking (docker-compose.yml): asked for here, allowed by the silos.
            Assert.True(colour.HostNetwork);
            var slot = Assert.Single(colour.Instances);
            Assert.Equal(("127.0.0.1", port), (slot.Address, slot.Port));
        }

        // HAProxy's server name in deploy/haproxy/edge-*.cfg; the containers are web-blue-s0 and web-green-s0.
        Assert.Equal("s0", spec.Blue.Instances[0].Server);
        Assert.Equal("s0", spec.Green.Instances[0].Server);
    }
}
