using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The real server process: killed with SIGKILL mid-deployment, and in cluster mode over a real redis-server.</summary>
public sealed class ServerTests
{
    private const string Host = "web.local";

    [Fact]
    public async Task Embedded_StartedFromItsDataFolder_ReadsItsSettingsAndLogsNoFrameworkChatter()
    {
        using var folder = new TempFolder("server-logs");
        await using var server = new ServerProcess(folder.File("data"));

        await server.StartAsync();
        await server.Client.GetGrain<Catalog.ICatalogGrain>(0).ListServicesAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));

        var lines = server.Output.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("info: Orleans", StringComparison.Ordinal) || l.StartsWith("info: Polly", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("warn: Orleans.Runtime.Watchdog", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Woke 0 proxies", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Embedded_SecondServerOnTheSameDataDirectory_RefusedNamingTheHolder()
    {
        using var folder = new TempFolder("server-lock");
        var data = folder.File("data");
        await using var first = new ServerProcess(data);
        await using var second = new ServerProcess(data);
        await first.StartAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(second.StartAsync);
        var proxies = await first.Client.GetGrain<Catalog.ICatalogGrain>(0).ListProxiesAsync();

        // The whole message on failure: a full run once got the dotnet host's own exit 147 (its runtimeconfig.json could
        // not be read) here, and Assert.Contains shows only its first words.
        Assert.True(refused.Message.Contains($"in use by another bluegreen-server (pid {first.Pid})", StringComparison.Ordinal), refused.Message);
        Assert.True(refused.Message.Contains("exited with 2", StringComparison.Ordinal), refused.Message);
        Assert.DoesNotContain("   at ", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(first.Pid);
        Assert.Empty(proxies);
    }

    [Fact]
    public async Task Embedded_KilledDuringDrain_RestartedDeploymentCompletesOnEveryProxy()
    {
        using var folder = new TempFolder("server");
        var data = folder.File("data");
        var proxies = new List<HaProxyInstance>();
        var runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(data, "instances") });
        await using var server = new ServerProcess(data);
        try
        {
            var (spec, backends) = Layout(3, slowBlue: true);
            proxies.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
                HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = "web_blue" }))));
            // Blue v1 runs before the server takes over, under the name the server's process runtime looks for.
            var slot = spec.Blue.Instances[0];
            await runtime.StartAsync(new InstanceSpec
            {
                Name = "web-blue-s1",
                Command = EchoInstance.Dotnet,
                Arguments = [EchoInstance.DllPath, "--address", slot.Address, "--port", slot.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--colour", "blue", "--version", "1", "--delay-ms", "6000"],
                Address = slot.Address,
                Port = slot.Port,
            });

            await server.StartAsync();
            await RegisterAsync(server.Client, proxies);
            var service = server.Client.GetGrain<IServiceGrain>("web");
            await service.ApplyAsync(spec);

            // Slow requests in flight on blue keep the drain step busy long enough to crash in it.
            using var http = new FrontendClient(proxies[0].FrontendUrl, TimeSpan.FromSeconds(30));
            var inFlight = Enumerable.Range(0, 3).Select(i => http.GetAsync(Host, $"/slow/{i}")).ToList();
            await Task.Delay(300);
            var release = await service.ReleaseAsync("2", DeploymentOptions.Default);
            await Eventually.UntilAsync(() => service.GetDeploymentAsync(release.Id), d => d!.Step == DeploymentStep.Drain, TimeSpan.FromSeconds(30), "drain step");

            await server.KillAsync();
            Assert.All(await Task.WhenAll(inFlight), r => Assert.Equal("blue", r.Echo?.Colour));
            await server.StartAsync();

            var resumed = server.Client.GetGrain<IServiceGrain>("web");
            var done = await Eventually.UntilAsync(() => resumed.GetDeploymentAsync(release.Id), d => d!.IsFinished, TimeSpan.FromSeconds(60), "deployment finished after restart");
            Assert.Equal(DeploymentOutcome.Succeeded, done!.Outcome);
            Assert.Contains(done.Events, e => e.Step == DeploymentStep.Drain);
            Assert.True(done.Retired);
            foreach (var proxy in proxies)
            {
                using var client = new FrontendClient(proxy.FrontendUrl);
                Assert.Equal("green", (await client.GetAsync(Host)).Echo?.Colour);
            }

            Assert.False((await runtime.InspectAsync("web-blue-s1"))?.Running ?? false);
            Assert.Equal(Colour.Green, (await resumed.GetAsync())!.LiveColour);
        }
        finally
        {
            await server.KillAsync();
            await runtime.RemoveAsync("web-blue-s1");
            await runtime.RemoveAsync("web-green-s1");
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Cluster_RedisState_SurvivesSiloRestart()
    {
        using var folder = new TempFolder("cluster");
        await using var redis = await RedisServer.StartAsync();
        var (spec, backends) = Layout(1, slowBlue: false);
        await using var proxy = await HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = "web_blue" });
        await using var server = new ServerProcess(folder.File("data"), redis.ConnectionString, clusterId: $"c{Guid.NewGuid():N}");

        await server.StartAsync();
        await RegisterAsync(server.Client, [proxy]);
        await server.Client.GetGrain<IServiceGrain>("web").ApplyAsync(spec);
        await server.KillAsync();
        await server.StartAsync();

        var info = await server.Client.GetGrain<IServiceGrain>("web").GetAsync();
        var status = await server.Client.GetGrain<IProxyGrain>("edge-0").GetStatusAsync();
        Assert.NotNull(info);
        Assert.Equal(Host, info.Spec.RouteKey);
        Assert.Equal("1", info.Versions[Colour.Blue]);
        Assert.Equal(proxy.RuntimeApi.ToString(), status.Registration?.RuntimeApi);
        Assert.Equal("web_blue", status.Routes[Host]);
        var catalog = server.Client.GetGrain<Catalog.ICatalogGrain>(0);
        Assert.Contains("web", await catalog.ListServicesAsync());
    }

    [Fact]
    public async Task Cluster_GatewayAsItsOwnProcess_ServesGrpcThroughTheSilo()
    {
        using var folder = new TempFolder("gwrole");
        await using var redis = await RedisServer.StartAsync();
        var (_, backends) = Layout(1, slowBlue: false);
        await using var proxy = await HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = "web_blue" });
        var cluster = $"c{Guid.NewGuid():N}";
        await using var silo = new ServerProcess(folder.File("silo"), redis.ConnectionString, cluster, role: "Silo");
        await using var gateway = new ServerProcess(folder.File("gateway"), redis.ConnectionString, cluster, role: "Gateway");
        await silo.StartAsync();
        await gateway.StartAsync();
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{gateway.GrpcPort}");
        var proxies = new Protos.V1.Proxies.ProxiesClient(channel);
        var admin = new Grpc.Core.Metadata { { "authorization", $"Bearer {ServerProcess.AdminToken}" } };

        var registered = await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    return await proxies.RegisterProxyAsync(new Protos.V1.RegisterProxyRequest { Id = "edge-0", RuntimeApi = proxy.RuntimeApi.ToString(), MapFile = proxy.MapFile }, admin);
                }
                catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Unavailable)
                {
                    return null;
                }
            },
            p => p is not null, TimeSpan.FromSeconds(30), "gateway connected to the cluster");

        Assert.True(registered!.Reachable);
        Assert.Contains(registered.Backends, b => b.Name == "web_blue");
        // The silo holds the grain: its own client sees what the gateway process registered.
        Assert.Equal(proxy.RuntimeApi.ToString(), (await silo.Client.GetGrain<IProxyGrain>("edge-0").GetStatusAsync()).Registration?.RuntimeApi);

        // Each process serves /metrics on its HTTP port; the proxy's reachability comes from the silo its grain lives on.
        var siloMetrics = await silo.ScrapeMetricsAsync();
        var gatewayMetrics = await gateway.ScrapeMetricsAsync();
        Assert.Equal(1, siloMetrics.Value("bluegreen_proxy_reachable", ("proxy", "edge-0")));
        Assert.Empty(gatewayMetrics.Values("bluegreen_proxy_reachable"));
        Assert.NotEmpty(gatewayMetrics.Values("http_server_request_duration_seconds_count"));
    }

    private static async Task RegisterAsync(IClusterClient client, List<HaProxyInstance> proxies)
    {
        for (var i = 0; i < proxies.Count; i++)
        {
            await client.GetGrain<IProxyGrain>($"edge-{i}").RegisterAsync(new ProxyRegistration { RuntimeApi = proxies[i].RuntimeApi.ToString(), MapFile = proxies[i].MapFile });
        }
    }

    private static (ServiceSpec Spec, ServiceBackends Backends) Layout(int proxies, bool slowBlue)
    {
        var bluePort = Loopback.FreePort();
        var greenPort = Loopback.FreePort();
        var backends = new ServiceBackends
        {
            Name = "web",
            Blue = [new BackendServer("s1", "127.0.0.1", bluePort)],
            Green = [new BackendServer("s1", "127.0.0.1", greenPort)],
            Check = TestChecks.Fast,
        };
        var colour = new ColourSpec
        {
            Runtime = "process",
            Command = EchoInstance.Dotnet,
            Arguments = [.. EchoInstance.TemplateArguments],
        };
        var spec = new ServiceSpec
        {
            Name = "web",
            RouteKey = Host,
            Proxies = Enumerable.Range(0, proxies).Select(i => $"edge-{i}").ToImmutableList(),
            Blue = colour with
            {
                Instances = [new InstanceSlot("s1", "127.0.0.1", bluePort)],
                Arguments = slowBlue ? colour.Arguments.AddRange(["--delay-ms", "6000"]) : colour.Arguments,
            },
            Green = colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", greenPort)] },
            HealthTimeout = TimeSpan.FromSeconds(20),
            DrainTimeout = TimeSpan.FromSeconds(30),
            StopTimeout = TimeSpan.FromSeconds(5),
            LiveVersion = "1",
        };
        return (spec, backends);
    }
}
