using System.Collections.Immutable;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Tests.Services;

public sealed class ServiceSpecValidatorTests
{
    private static readonly ColourSpec Colour = new()
    {
        Runtime = "process",
        Command = "/usr/bin/app",
        Arguments = ["--port", "{port}"],
        Instances = [new InstanceSlot("s1", "127.0.0.1", 3000)],
    };

    private static readonly ServiceSpec Valid = new()
    {
        Name = "web",
        RouteKey = "web.example.com",
        Proxies = ["edge-1", "edge-2"],
        Blue = Colour,
        Green = Colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", 4000)] },
    };

    [Fact]
    public void Validate_ValidSpec_NoErrors() => Assert.Empty(ServiceSpecValidator.Validate(Valid));

    public static TheoryData<string, ServiceSpec> Invalid => new()
    {
        { "name", Valid with { Name = "Web;x" } },
        { "name", Valid with { Name = new string('a', 64) } },
        { "route_key", Valid with { RouteKey = "web.local\nshutdown sessions" } },
        { "route_key", Valid with { RouteKey = "x; del map" } },
        { "route_key", Valid with { RouteKey = "web.local\n" } },
        { "name", Valid with { Name = "web\n" } },
        { "proxies", Valid with { Proxies = [] } },
        { "proxies", Valid with { Proxies = ["edge-1", "edge-1"] } },
        { "proxies", Valid with { Proxies = ["edge 1"] } },
        // Registration refuses a '/' in a proxy id: a spec listing one could never be served.
        { "proxies", Valid with { Proxies = ["edge/1"] } },
        // web…(63)-green-s…(63) is 133 characters: the instance runtimes refuse names over 128 at provisioning.
        { "blue.instances", Valid with { Name = new string('w', 63), Blue = Colour with { Instances = [new InstanceSlot(new string('s', 63), "127.0.0.1", 1)] } } },
        { "blue.runtime", Valid with { Blue = Colour with { Runtime = "kubernetes" } } },
        { "green.image", Valid with { Green = Colour with { Runtime = "docker", Image = "Bad Image" } } },
        { "blue.command", Valid with { Blue = Colour with { Command = null } } },
        { "blue.instances", Valid with { Blue = Colour with { Instances = [] } } },
        { "blue.instances", Valid with { Blue = Colour with { Instances = [new InstanceSlot("s/1", "127.0.0.1", 1)] } } },
        { "blue.instances", Valid with { Blue = Colour with { Instances = [new InstanceSlot("s1", "localhost", 1)] } } },
        { "blue.instances", Valid with { Blue = Colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", 0)] } } },
        { "blue.instances", Valid with { Blue = Colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", 1), new InstanceSlot("s1", "127.0.0.1", 2)] } } },
        { "blue:", Valid with { Blue = Colour with { Arguments = ["a\nb"] } } },
        { "health_timeout", Valid with { HealthTimeout = TimeSpan.Zero } },
        { "drain_timeout", Valid with { DrainTimeout = TimeSpan.FromSeconds(-1) } },
        { "keep_warm", Valid with { KeepWarm = TimeSpan.FromDays(2) } },
        { "max_error_ratio", Valid with { MaxErrorRatio = double.NaN } },
        { "max_server_error_ratio", Valid with { MaxServerErrorRatio = 1.5 } },
        { "max_server_error_ratio", Valid with { MaxServerErrorRatio = double.NaN } },
        { "max_response_time", Valid with { MaxResponseTime = TimeSpan.FromMilliseconds(-1) } },
        { "max_response_time", Valid with { MaxResponseTime = TimeSpan.FromDays(2) } },
        { "live_version", Valid with { LiveVersion = "1 2" } },
        { "blue.host_network", Valid with { Blue = Colour with { HostNetwork = true } } },
        { "blue.container_port", Valid with { Blue = Colour with { ContainerPort = 8080 } } },
        { "green.container_port", Valid with { Green = Colour with { Runtime = "docker", Image = "web:1", ContainerPort = 0 } } },
        { "green.container_port", Valid with { Green = Colour with { Runtime = "docker", Image = "web:1", HostNetwork = true, ContainerPort = 8080 } } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_InvalidField_ErrorNamesTheField(string field, ServiceSpec spec)
    {
        var errors = ServiceSpecValidator.Validate(spec);

        Assert.Contains(errors, e => e.StartsWith(field, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2", true)]
    [InlineData("v1.2.3+build.7", true)]
    [InlineData("sha-0a1b2c", true)]
    [InlineData("", false)]
    [InlineData("-1", false)]
    [InlineData("1;2", false)]
    [InlineData("1 2", false)]
    [InlineData("1\\2", false)]
    [InlineData("2\n", false)]
    public void IsValidVersion_Samples(string version, bool valid) =>
        Assert.Equal(valid, ServiceSpecValidator.IsValidVersion(version));

    [Fact]
    public void ProxyRegistration_HostileValues_EveryFieldNamed()
    {
        var errors = ProxyRegistrationValidator.Validate("edge/1", new ProxyRegistration
        {
            RuntimeApi = "tcp://127.0.0.1:9000;x",
            MapFile = "/etc/haproxy/hosts.map\nshow info",
            MapFileWritePath = "relative.map",
            Labels = ImmutableDictionary<string, string>.Empty.Add("zone;x", "a"),
        });

        Assert.Equal(["id", "runtime_api", "map_file", "map_file_write_path", "labels"], errors.Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Theory]
    [InlineData("unix:///run/haproxy/master.sock;reload", "path of A-Z")]
    [InlineData("unix://relative.sock", "not a valid unix endpoint")]
    [InlineData("tcp://127.0.0.1", "not a valid tcp endpoint")]
    [InlineData("tcp://127.0.0.1:9000", "must not be the runtime_api")]
    public void ProxyRegistration_BadMasterApi_RefusedNamingIt(string masterApi, string rule)
    {
        var registration = new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:9000", MapFile = "/etc/haproxy/hosts.map", MasterApi = masterApi };

        var error = Assert.Single(ProxyRegistrationValidator.Validate("edge-1", registration));

        Assert.StartsWith("master_api: ", error, StringComparison.Ordinal);
        Assert.Contains(rule, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unix:///run/haproxy/master.sock")]
    [InlineData("tcp://127.0.0.1:9979")]
    public void ProxyRegistration_MasterApi_Accepted(string masterApi) =>
        Assert.Empty(ProxyRegistrationValidator.Validate("edge-1", new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:9000", MapFile = "/etc/haproxy/hosts.map", MasterApi = masterApi }));
}
