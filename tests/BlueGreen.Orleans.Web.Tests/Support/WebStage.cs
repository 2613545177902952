using BlueGreen.Orleans.Harness;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Playwright;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Web.Tests.Support;

/// <summary>
/// A real fleet for the browser: one bluegreen-server (embedded), three haproxy processes (edge-0..2, each on its own
/// loopback address) registered, the service <c>web</c> applied over all three with blue v1 running (the echo server),
/// and one headless Debian chromium driven by Playwright. Everything is stopped on dispose: the server and the
/// instances by PID (<see cref="ServerFleet"/>), the browser and Playwright's driver by closing them.
/// </summary>
public sealed class WebStage : IAsyncLifetime
{
    public const string Service = "web";

    public const int ProxyCount = 3;

    private ServerFleet? _fleet;
    private IPlaywright? _playwright;

    public ServerProcess Server => _fleet!.Server;

    public IReadOnlyList<HaProxyInstance> Proxies => _fleet!.Proxies;

    public static string ProxyId(int index) => $"edge-{index}";

    public GrpcChannel Channel { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The web view's address: the gateway's HTTP port.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Server.HttpPort}";

    public static Metadata Admin => new() { { "authorization", $"Bearer {ServerProcess.AdminToken}" } };

    public V1.Services.ServicesClient Services => new(Channel);

    public V1.Deployments.DeploymentsClient Deployments => new(Channel);

    public async Task InitializeAsync()
    {
        _fleet = await ServerFleet.StartAsync("web", [Service], TestChecks.Fast, ProxyCount);
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Server.GrpcPort}");
        var proxies = new V1.Proxies.ProxiesClient(Channel);
        for (var i = 0; i < ProxyCount; i++)
        {
            var proxy = Proxies[i];
            await proxies.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = ProxyId(i), RuntimeApi = proxy.RuntimeApi.ToString(), MapFile = proxy.MapFile, MasterApi = proxy.MasterApi.ToString() }, Admin);
        }

        await _fleet.StartBlueAsync(Service);
        await Services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = Spec() }, Admin);
        _playwright = await Playwright.CreateAsync();
        Browser = await SystemChromium.LaunchAsync(_playwright);
    }

    private V1.ServiceSpec Spec()
    {
        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        var spec = new V1.ServiceSpec
        {
            Name = Service,
            RouteKey = $"{Service}.local",
            Blue = colour.Clone(),
            Green = colour.Clone(),
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),

            // A release steps on as soon as its proxies report a change, so without a window it can pass from health to
            // done between two updates of the page; two seconds of verifying keep it visibly running after the switch.
            VerifyWindow = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
            KeepWarm = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)),
            StopTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            LiveVersion = "1",
        };
        spec.Proxies.AddRange(Enumerable.Range(0, ProxyCount).Select(ProxyId));
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = _fleet!.Ports[Service].Blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = _fleet.Ports[Service].Green });
        return spec;
    }

    /// <summary>A fresh browser context (its own session storage) on the web view, console errors collected.</summary>
    public async Task<WebPage> OpenAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 600 } });
        var page = await context.NewPageAsync();
        var web = new WebPage(context, page);
        await page.GotoAsync(BaseUrl + "/");
        return web;
    }

    /// <summary>What the real haproxy processes route the service's key to now, one value per proxy.</summary>
    public async Task<IReadOnlyList<string?>> RoutesAsync()
    {
        var routes = new List<string?>();
        foreach (var proxy in Proxies)
        {
            await using var client = proxy.CreateClient();
            routes.Add(await client.GetMapAsync(proxy.MapFile, $"{Service}.local"));
        }

        return routes;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        Channel?.Dispose();
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }
}
