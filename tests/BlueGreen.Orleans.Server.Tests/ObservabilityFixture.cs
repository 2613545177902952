using System.Collections.Immutable;
using System.Globalization;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// A real server with the dashboard on and OTLP export to a stand-in collector, one haproxy, blue v1 running, and one
/// finished release of <c>web</c> to green 2 (with a verify window, so every forward step runs): what the
/// observability tests scrape.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which releases them.")]
public sealed class ObservabilityFixture : IAsyncLifetime
{
    public const string ProxyId = "edge-obs";
    private const string Service = "web";

    private readonly TempFolder _folder = new("observability");
    private ProcessInstanceRuntime? _runtime;

    public OtlpSink Collector { get; } = new();

    public ServerProcess Server { get; private set; } = null!;

    public HaProxyInstance Proxy { get; private set; } = null!;

    public DeploymentRecord Release { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var (bluePort, greenPort) = (Loopback.FreePort(), Loopback.FreePort());
        Proxy = await HaProxyInstance.StartAsync(
            [new ServiceBackends
            {
                Name = Service,
                Blue = [new BackendServer("s1", "127.0.0.1", bluePort)],
                Green = [new BackendServer("s1", "127.0.0.1", greenPort)],
                Check = TestChecks.Fast,
            }],
            new Dictionary<string, string> { ["web.local"] = "web_blue" });
        var data = _folder.File("data");
        _runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(data, "instances") });
        await _runtime.StartAsync(new InstanceSpec
        {
            Name = $"{Service}-blue-s1",
            Command = EchoInstance.Dotnet,
            Arguments = [EchoInstance.DllPath, "--address", "127.0.0.1", "--port", bluePort.ToString(CultureInfo.InvariantCulture), "--colour", "blue", "--version", "1"],
            Address = "127.0.0.1",
            Port = bluePort,
        });

        Server = new ServerProcess(data, extraArguments:
        [
            "--BlueGreen:Dashboard:Enabled", "true",
            "--BlueGreen:Telemetry:OtlpEndpoint", Collector.Endpoint.ToString(),
            "--BlueGreen:Telemetry:OtlpProtocol", "HttpProtobuf",
        ]);
        await Server.StartAsync();
        await Server.Client.GetGrain<IProxyGrain>(ProxyId).RegisterAsync(new ProxyRegistration { RuntimeApi = Proxy.RuntimeApi.ToString(), MapFile = Proxy.MapFile });
        var colour = new ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet, Arguments = [.. EchoInstance.TemplateArguments] };
        var service = Server.Client.GetGrain<IServiceGrain>(Service);
        await service.ApplyAsync(new ServiceSpec
        {
            Name = Service,
            RouteKey = "web.local",
            Proxies = [ProxyId],
            Blue = colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", bluePort)] },
            Green = colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", greenPort)] },
            HealthTimeout = TimeSpan.FromSeconds(20),
            DrainTimeout = TimeSpan.FromSeconds(5),
            StopTimeout = TimeSpan.FromSeconds(5),
            VerifyWindow = TimeSpan.FromMilliseconds(300),
            LiveVersion = "1",
        });

        var started = await service.ReleaseAsync("2", DeploymentOptions.Default);
        Release = (await Eventually.UntilAsync(() => service.GetDeploymentAsync(started.Id), d => d?.IsFinished == true, TimeSpan.FromSeconds(60), "release finished"))!;
    }

    /// <summary>No Authorization header: Prometheus scrapes without the gRPC bearer token.</summary>
    public Task<PrometheusScrape> ScrapeAsync() => Server.ScrapeMetricsAsync();

    public async Task DisposeAsync()
    {
        await Server.KillAsync();
        await _runtime!.RemoveAsync($"{Service}-blue-s1");
        await _runtime.RemoveAsync($"{Service}-green-s1");
        await Proxy.DisposeAsync();
        Collector.Dispose();
        _folder.Dispose();
    }
}
