using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

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
        max_server_error_ratio: 0.02
        max_response_time: 250ms
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
        Assert.Equal(0.02, spec.MaxServerErrorRatio);
        Assert.Equal(TimeSpan.FromMilliseconds(250), spec.MaxResponseTime.ToTimeSpan());
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

    /// <summary>
    /// The classic "billion laughs", 1 KB: nine levels of nine aliases of the level above, 9^9 (387 million) strings
    /// once expanded. A spec that sneaks it in somewhere valid (here, the environment of a colour).
    /// </summary>
    private static string BillionLaughs()
    {
        var lines = new List<string> { "name: web", "route_key: web.local", "proxies: [edge-0]", "blue:", "  command: /bin/app", "  environment:" };
        lines.Add("    L0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]");
        for (var level = 1; level <= 8; level++)
        {
            lines.Add($"    L{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 9))}]");
        }

        lines.Add("  instances: [{ server: s1, address: 127.0.0.1, port: 3000 }]");
        return string.Join('\n', lines) + "\n";
    }

    [Fact]
    public void Load_BillionLaughs_RefusedInWellUnderASecond()
    {
        using var folder = new TempFolder("spec");
        var path = folder.File("laughs.yaml");
        File.WriteAllText(path, BillionLaughs());
        Assert.InRange(new FileInfo(path).Length, 500, 1100);
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<CliException>(() => SpecFile.Load(path));

        clock.Stop();
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal("spec: line 7: YAML anchors (&name) are not allowed in a spec; write the value out.", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"refused after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Run_ServiceApplyBillionLaughs_UsageExitCodeBeforeAnyCall()
    {
        using var folder = new TempFolder("spec");
        var path = folder.File("laughs.yaml");
        await File.WriteAllTextAsync(path, BillionLaughs());
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        await CliRun.RunAsync("--help");
        var clock = Stopwatch.StartNew();

        var (exit, output) = await CliRun.RunAsync("service", "apply", "-f", path, "--server", server).WaitAsync(TimeSpan.FromSeconds(30));

        clock.Stop();
        AttackLog.Record("CLI, spec files", "a 1 KB \"billion laughs\" YAML file (nested anchors and aliases) to service apply -f", $"exit {exit} after {clock.Elapsed.TotalMilliseconds:0} ms, nothing sent: {!listener.Pending()}", exit == ExitCodes.Usage && !listener.Pending());
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("YAML anchors (&name) are not allowed", output, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"exit {exit} after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.False(listener.Pending());
    }

    [Theory]
    [InlineData("anchor", "name: &n web\nroute_key: web.local\n", "line 1: YAML anchors")]
    [InlineData("alias", "name: web\nroute_key: *key\n", "line 2: YAML aliases")]
    [InlineData("merge key", "name: web\nblue:\n  <<: *base\n  command: /bin/app\n", "line 3: YAML aliases")]
    [InlineData("anchored colour", "name: web\nblue: &colour { command: /bin/app }\ngreen: *colour\n", "line 2: YAML anchors")]
    public void Parse_YamlAnchorOrAlias_RefusedNamingTheLine(string label, string yaml, string expected)
    {
        var error = Assert.Throws<CliException>(() => SpecFile.Parse(yaml, json: false));

        Assert.True(error.Message.StartsWith($"spec: {expected}", StringComparison.Ordinal), $"{label}: {error.Message}");
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Load_ExactlyOneMiB_ParsedAndOneByteMore_RefusedWithoutParsing()
    {
        using var folder = new TempFolder("spec");
        var spec = "name: web\nroute_key: web.local\nproxies: [edge-0]\nblue: { command: /bin/app, instances: [{ server: s1, address: 127.0.0.1, port: 3000 }] }\n";
        var path = folder.File("big.yaml");
        File.WriteAllText(path, spec + "#" + new string('x', SpecFile.MaxBytes - spec.Length - 2) + "\n");
        Assert.Equal(SpecFile.MaxBytes, new FileInfo(path).Length);

        Assert.Equal("web", SpecFile.Load(path).Name);

        File.AppendAllText(path, "\n");
        var error = Assert.Throws<CliException>(() => SpecFile.Load(path));
        Assert.Contains("is larger than 1 MiB", error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Load_EndlessDevice_RefusedAfterOneMiB()
    {
        // A device (or a pipe) has no size to check first: what it yields is bounded instead.
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<CliException>(() => SpecFile.Load("/dev/zero"));

        Assert.Equal("-f: '/dev/zero' is larger than 1 MiB (1048576 bytes), the most a spec file may hold.", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refused after {clock.Elapsed}");
    }
}
