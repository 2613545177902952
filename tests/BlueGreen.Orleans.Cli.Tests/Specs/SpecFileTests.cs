using BlueGreen.Orleans.Cli.Specs;

namespace BlueGreen.Orleans.Cli.Tests.Specs;

public sealed class SpecFileTests
{
    private const string Yaml = """
        name: web
        route_key: web.local
        proxies: [edge-0, edge-1]
        health_timeout: 30s
        keep_warm: 2m
        max_error_ratio: 0.05
        live_version: 1
        blue:
          runtime: process
          command: /usr/bin/app
          arguments: ["--port", "{port}"]
          environment:
            MODE: production
          instances:
            - { server: s1, address: 127.0.0.1, port: 3000 }
        green:
          runtime: docker
          image: registry.local/web:{version}
          instances:
            - server: s1
              address: 127.0.0.1
              port: 4000
        """;

    [Fact]
    public void Parse_Yaml_EveryField()
    {
        var spec = SpecFile.Parse(Yaml, json: false);

        Assert.Equal("web", spec.Name);
        Assert.Equal("web.local", spec.RouteKey);
        Assert.Equal(["edge-0", "edge-1"], spec.Proxies);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.HealthTimeout.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMinutes(2), spec.KeepWarm.ToTimeSpan());
        Assert.Equal(0.05, spec.MaxErrorRatio);
        Assert.Equal("1", spec.LiveVersion);
        Assert.Equal(["--port", "{port}"], spec.Blue.Arguments);
        Assert.Equal("production", spec.Blue.Environment["MODE"]);
        Assert.Equal(3000, spec.Blue.Instances[0].Port);
        Assert.Equal("registry.local/web:{version}", spec.Green.Image);
        Assert.Equal(4000, spec.Green.Instances[0].Port);
    }

    [Fact]
    public void Parse_Json_SameAsYaml()
    {
        const string json = """{ "name": "web", "routeKey": "web.local", "proxies": ["edge-0"], "drainTimeout": "10s", "blue": { "command": "/bin/app", "instances": [{ "server": "s1", "address": "127.0.0.1", "port": 3000 }] } }""";

        var spec = SpecFile.Parse(json, json: true);

        Assert.Equal("web.local", spec.RouteKey);
        Assert.Equal(TimeSpan.FromSeconds(10), spec.DrainTimeout.ToTimeSpan());
        Assert.Equal(3000, spec.Blue.Instances[0].Port);
    }

    [Fact]
    public void Parse_DockerNetworking_HostNetworkAndContainerPort()
    {
        const string yaml = """
            name: web
            blue: { runtime: docker, image: web:1, host_network: true, instances: [{ server: s1, address: 127.0.0.1, port: 3000 }] }
            green: { runtime: docker, image: web:1, container_port: 8080, instances: [{ server: s1, address: 127.0.0.1, port: 4000 }] }
            """;

        var spec = SpecFile.Parse(yaml, json: false);

        Assert.True(spec.Blue.HostNetwork);
        Assert.False(spec.Blue.HasContainerPort);
        Assert.False(spec.Green.HostNetwork);
        Assert.Equal(8080, spec.Green.ContainerPort);
    }

    [Theory]
    [InlineData("name: web\nroute_kee: typo\n")]
    [InlineData("name: web\nblue: { host_network: maybe }\n")]
    [InlineData("name: web\nhealth_timeout: soon\n")]
    [InlineData("name: [unclosed\n")]
    [InlineData("")]
    public void Parse_BadSpec_ClearCliError(string yaml)
    {
        var error = Assert.Throws<CliException>(() => SpecFile.Parse(yaml, json: false));

        Assert.StartsWith("spec", error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }
}
