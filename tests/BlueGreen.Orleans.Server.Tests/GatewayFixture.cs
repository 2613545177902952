using System.Globalization;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Testing;
using Grpc.Core;
using Grpc.Net.Client;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// One real bluegreen-server (embedded: silo + gateway), one haproxy and blue v1 running, shared by the gateway
/// tests; each test uses its own service name so they do not interfere.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which releases both.")]
public sealed class GatewayFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new("gateway");
    private readonly List<ServiceBackends> _services = [];
    private ProcessInstanceRuntime? _runtime;

    public ServerProcess Server { get; private set; } = null!;

    public HaProxyInstance Proxy { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public string DataDirectory => _folder.File("data");

    public IReadOnlyDictionary<string, (int Blue, int Green)> Ports { get; private set; } = new Dictionary<string, (int, int)>();

    /// <summary>Service names the tests may use; each has backends in the haproxy config.</summary>
    public static readonly string[] ServiceNames = ["shop", "cart", "auth", "search", "mail"];

    public async Task InitializeAsync()
    {
        var ports = new Dictionary<string, (int, int)>();
        foreach (var name in ServiceNames)
        {
            var (blue, green) = (Loopback.FreePort(), Loopback.FreePort());
            ports[name] = (blue, green);
            _services.Add(new ServiceBackends
            {
                Name = name,
                Blue = [new BackendServer("s1", "127.0.0.1", blue)],
                Green = [new BackendServer("s1", "127.0.0.1", green)],
                Check = TestChecks.Fast,
            });
        }

        Ports = ports;
        Proxy = await HaProxyInstance.StartAsync(_services);
        _runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(DataDirectory, "instances") });
        Server = new ServerProcess(DataDirectory);
        await Server.StartAsync();
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Server.GrpcPort}");
    }

    /// <summary>Starts blue v1 of a service as if it ran before the orchestrator took over.</summary>
    public Task StartBlueAsync(string service) =>
        _runtime!.StartAsync(new InstanceSpec
        {
            Name = $"{service}-blue-s1",
            Command = EchoInstance.Dotnet,
            Arguments = [EchoInstance.DllPath, "--address", "127.0.0.1", "--port", Ports[service].Blue.ToString(CultureInfo.InvariantCulture), "--colour", "blue", "--version", "1"],
            Address = "127.0.0.1",
            Port = Ports[service].Blue,
        });

    public static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    public static Metadata Admin => Bearer(ServerProcess.AdminToken);

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        await Server.KillAsync();
        foreach (var name in ServiceNames)
        {
            await _runtime!.RemoveAsync($"{name}-blue-s1");
            await _runtime.RemoveAsync($"{name}-green-s1");
        }

        await Proxy.DisposeAsync();
        _folder.Dispose();
    }
}
