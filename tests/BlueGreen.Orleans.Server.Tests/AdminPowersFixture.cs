using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Harness;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Two real servers behind one haproxy, configured as an operator narrows what an admin token can do:
/// <see cref="Server"/> runs only the echo server's program, writes map files only under <see cref="Maps"/>, and
/// reaches only its haproxy's Runtime API address (and unix sockets under <see cref="Sockets"/>); its environment holds
/// secrets no instance may see. <see cref="ProcessOff"/> has the defaults: no process runtime at all.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which releases them.")]
public sealed class AdminPowersFixture : IAsyncLifetime
{
    public const string ProxyId = "edge-0";

    /// <summary>Set in <see cref="Server"/>'s environment: a secret of the server, and a Redis password as operators set it.</summary>
    public static readonly IReadOnlyDictionary<string, string> ServerSecrets = new Dictionary<string, string>
    {
        ["BLUEGREEN_TEST_SERVER_SECRET"] = "server-secret-0123456789",
        ["BlueGreen__Redis"] = "127.0.0.1:1,password=redis-password-0123456789",
    };

    public static readonly string[] ServiceNames = ["alpha", "beta", "gamma"];

    private readonly TempFolder _folder = new("powers");

    public ServerProcess Server { get; private set; } = null!;

    public ServerProcess ProcessOff { get; private set; } = null!;

    public HaProxyInstance Proxy { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public GrpcChannel ProcessOffChannel { get; private set; } = null!;

    /// <summary>Over <see cref="Server"/>'s state folder: finds and stops what the server started.</summary>
    public ProcessInstanceRuntime Runtime { get; private set; } = null!;

    public IReadOnlyDictionary<string, (int Blue, int Green)> Ports { get; private set; } = new Dictionary<string, (int, int)>();

    public string Maps => _folder.File("maps");

    public string Outside => _folder.File("outside");

    public string Sockets => _folder.File("sockets");

    public string ServerData => _folder.File("data");

    public static Metadata Admin => new() { { "authorization", $"Bearer {ServerProcess.AdminToken}" } };

    public async Task InitializeAsync()
    {
        foreach (var folder in new[] { Maps, Outside, Sockets })
        {
            Directory.CreateDirectory(folder);
        }

        var ports = new Dictionary<string, (int, int)>();
        var backends = new List<ServiceBackends>();
        foreach (var name in ServiceNames)
        {
            var (blue, green) = (Loopback.FreePort(), Loopback.FreePort());
            ports[name] = (blue, green);
            backends.Add(new ServiceBackends
            {
                Name = name,
                Blue = [new BackendServer("s1", "127.0.0.1", blue)],
                Green = [new BackendServer("s1", "127.0.0.1", green)],
                Check = TestChecks.Fast,
            });
        }

        Ports = ports;
        Proxy = await HaProxyInstance.StartAsync(backends);
        Runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(ServerData, "instances") });
        Server = new ServerProcess(
            ServerData,
            extraArguments:
            [
                "--BlueGreen:Proxies:MapsRoot", Maps,
                "--BlueGreen:Proxies:RuntimeApiNetworks:0", $"{Proxy.RuntimeApi.Host}/32",
                "--BlueGreen:Proxies:RuntimeApiSocketDirectories:0", Sockets,
            ],
            environment: ServerSecrets);
        ProcessOff = new ServerProcess(_folder.File("off"), processCommands: []);
        await Task.WhenAll(Server.StartAsync(), ProcessOff.StartAsync());
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Server.GrpcPort}");
        ProcessOffChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{ProcessOff.GrpcPort}");

        // The one registration each server allows: the map file haproxy reads, written through a path in the maps root.
        await RegisterAsync(Channel, new V1.RegisterProxyRequest
        {
            Id = ProxyId,
            RuntimeApi = Proxy.RuntimeApi.ToString(),
            MapFile = Proxy.MapFile,
            MapFileWritePath = Path.Combine(Maps, "edge-0.map"),
        });
        await RegisterAsync(ProcessOffChannel, new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = Proxy.RuntimeApi.ToString(), MapFile = Proxy.MapFile });
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        ProcessOffChannel?.Dispose();
        await Server.KillAsync();
        await ProcessOff.KillAsync();
        foreach (var name in ServiceNames)
        {
            await Runtime.RemoveAsync($"{name}-blue-s1");
            await Runtime.RemoveAsync($"{name}-green-s1");
        }

        Runtime.Dispose();
        await Proxy.DisposeAsync();
        _folder.Dispose();
    }

    private static async Task RegisterAsync(GrpcChannel channel, V1.RegisterProxyRequest request)
    {
        // The silo's port listens before Kestrel's gRPC port does: retry while the gateway is not up yet.
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await new V1.Proxies.ProxiesClient(channel).RegisterProxyAsync(request, Admin);
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
}
