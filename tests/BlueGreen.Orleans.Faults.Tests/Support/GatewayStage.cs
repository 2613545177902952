using BlueGreen.Orleans.Harness;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// One real bluegreen-server (embedded), one real haproxy with backends for <see cref="ServiceNames"/>, and the proxy
/// <c>edge-0</c> registered: the stage of the hostile-input, auth, concurrency and unhealthy-release cases, shared by
/// the cases of one class. Blue v1 of a service is started through the same process runtime (and state directory) as
/// the server's, so the server can stop and restart it like an instance it started itself.
/// </summary>
public sealed class GatewayStage : IAsyncLifetime
{
    public const string ProxyId = "edge-0";

    /// <summary>Service names with backends in the haproxy config; each class uses its own.</summary>
    public static readonly string[] ServiceNames = ["web", "auth", "race", "sick"];

    private ServerFleet? _fleet;

    public ServerProcess Server => _fleet!.Server;

    public HaProxyInstance Proxy => _fleet!.Proxy;

    public GrpcChannel Channel { get; private set; } = null!;

    public CallInvoker Invoker => Channel.CreateCallInvoker();

    public V1.Proxies.ProxiesClient Proxies => new(Channel);

    public V1.Services.ServicesClient Services => new(Channel);

    public V1.Deployments.DeploymentsClient Deployments => new(Channel);

    public IReadOnlyDictionary<string, (int Blue, int Green)> Ports => _fleet!.Ports;

    public string DataDirectory => _fleet!.DataDirectory;

    /// <summary>The CLI's connection options (server and token).</summary>
    public string[] CliServer(string? token = ServerProcess.AdminToken) =>
        token is null ? ["--server", $"http://127.0.0.1:{Server.GrpcPort}"] : ["--server", $"http://127.0.0.1:{Server.GrpcPort}", "--token", token];

    public static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    public static Metadata Admin => Bearer(ServerProcess.AdminToken);

    public static Metadata Read => Bearer(ServerProcess.ReadToken);

    public async Task InitializeAsync()
    {
        // Not TestChecks.Fast (200 ms timeout, fall 1): under 32 clients on 2 cores one slow check of the live colour
        // marks it DOWN, a 503 storm that is the check settings' doing (seen: 1,373 failed requests).
        _fleet = await ServerFleet.StartAsync("stage", ServiceNames, FaultStage.Checks);
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Server.GrpcPort}");

        // The silo's port listens before Kestrel's gRPC port does: retry while the gateway is not up yet.
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await Proxies.RegisterProxyAsync(RegisterRequest(), Admin);
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    return false;
                }
            },
            registered => registered,
            TimeSpan.FromSeconds(60),
            "the gRPC gateway to register edge-0");
    }

    /// <summary>The registration of <c>edge-0</c>: registering it again with the same values changes nothing.</summary>
    public V1.RegisterProxyRequest RegisterRequest() =>
        new() { Id = ProxyId, RuntimeApi = Proxy.RuntimeApi.ToString(), MapFile = Proxy.MapFile, MasterApi = Proxy.MasterApi.ToString() };

    /// <summary>
    /// A valid spec: process colours running the echo server, blue adopted as live with version 1.
    /// <paramref name="greenArguments"/> are appended to green's command line (e.g. <c>--healthy false</c>).
    /// </summary>
    public V1.ServiceSpec Spec(string name, TimeSpan? healthTimeout = null, TimeSpan? verifyWindow = null, TimeSpan? keepWarm = null, IEnumerable<string>? greenArguments = null)
    {
        var blue = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        blue.Arguments.AddRange(EchoInstance.TemplateArguments);
        blue.Environment["ECHO_MODE"] = "stage";
        blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = Ports[name].Blue });
        var green = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        green.Arguments.AddRange(EchoInstance.TemplateArguments);
        green.Arguments.AddRange(greenArguments ?? []);
        green.Environment["ECHO_MODE"] = "stage";
        green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = Ports[name].Green });
        var spec = new V1.ServiceSpec
        {
            Name = name,
            RouteKey = RouteKey(name),
            Blue = blue,
            Green = green,
            HealthTimeout = Duration.FromTimeSpan(healthTimeout ?? TimeSpan.FromSeconds(20)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            KeepWarm = Duration.FromTimeSpan(keepWarm ?? TimeSpan.FromMinutes(10)),
            VerifyWindow = Duration.FromTimeSpan(verifyWindow ?? TimeSpan.Zero),
            StopTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            MaxErrorRatio = 0.05,
            LiveVersion = "1",
        };
        spec.Proxies.Add(ProxyId);
        return spec;
    }

    public static string RouteKey(string service) => $"{service}.local";

    /// <summary>
    /// Applies the stage's spec for <paramref name="name"/> unless an earlier test class of the collection did;
    /// true when it was applied now.
    /// </summary>
    public async Task<bool> EnsureServiceAsync(string name)
    {
        try
        {
            await Services.GetServiceAsync(new V1.GetServiceRequest { Name = name }, Admin);
            return false;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            await ApplyAsync(Spec(name));
            return true;
        }
    }

    /// <summary>Starts blue v1 (as if it ran before the orchestrator took over) and applies the spec.</summary>
    public async Task<V1.Service> ApplyAsync(V1.ServiceSpec spec)
    {
        await _fleet!.StartBlueAsync(spec.Name);
        var applied = await Services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, Admin);
        await WaitUntilServingAsync(spec.Name, "blue");
        return applied;
    }

    /// <summary>Waits until the haproxy frontend answers the service's route from <paramref name="colour"/>.</summary>
    public async Task WaitUntilServingAsync(string service, string colour)
    {
        using var http = new FrontendClient(Proxy.FrontendUrl, TimeSpan.FromSeconds(2));
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync(RouteKey(service))).Echo?.Colour;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            c => c == colour,
            TimeSpan.FromSeconds(30),
            $"{service} served by {colour}");
    }

    /// <summary>Waits until the service has no deployment in progress and returns it.</summary>
    public async Task<V1.Service> WaitIdleAsync(string service, TimeSpan timeout) =>
        await Eventually.UntilAsync(
            async () => await Services.GetServiceAsync(new V1.GetServiceRequest { Name = service }, Admin),
            s => s.ActiveDeployment is null,
            timeout,
            $"{service} without a deployment in progress");

    /// <summary>What the real haproxy holds now: its maps, its routes and every server's state.</summary>
    public async Task<HaProxySnapshot> SnapshotAsync()
    {
        await using var client = Proxy.CreateClient();
        var maps = await client.ShowMapsAsync();
        var entries = await client.ShowMapAsync(Proxy.MapFile);
        var servers = await client.ShowServersStateAsync();
        return new HaProxySnapshot(
            string.Join("\n", maps.Select(m => m.ToString())),
            string.Join("\n", entries.Select(e => $"{e.Key} {e.Value}")),
            string.Join("\n", servers.Select(s => $"{s.Backend}/{s.Server} {s.Address}:{s.Port} op={s.OperationalState} admin={s.AdminState} weight={s.UserWeight}")),
            await File.ReadAllTextAsync(Proxy.MapFile));
    }

    /// <summary>
    /// What the orchestrator holds, as text: every service (spec, live colour, versions, running colours, active and last
    /// deployment) and every proxy (registration and desired routes), without the fields that move on their own.
    /// </summary>
    public async Task<string> StateAsync()
    {
        var services = await Services.ListServicesAsync(new V1.ListServicesRequest(), Admin);
        var proxies = await Proxies.ListProxiesAsync(new V1.ListProxiesRequest(), Admin);
        return string.Join("\n", services.Services.OrderBy(s => s.Spec.Name, StringComparer.Ordinal).Select(s =>
                $"service {s.Spec} live={s.LiveColour} versions={s.Versions} running=[{string.Join(",", s.Running)}] active={s.ActiveDeployment?.Id} last={s.LastDeployment?.Id} maintenance={s.Maintenance}")
            .Concat(proxies.Proxies.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p =>
                $"proxy {p.Id} {p.RuntimeApi} {p.MapFile} labels={p.Labels} routes={p.Routes}")));
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }
}
