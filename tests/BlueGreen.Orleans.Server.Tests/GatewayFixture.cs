using BlueGreen.Orleans.Harness;
using Grpc.Core;
using Grpc.Net.Client;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// One real bluegreen-server (embedded: silo + gateway), one haproxy and blue v1 running, shared by the gateway
/// tests; each test uses its own service name so they do not interfere.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private ServerFleet? _fleet;

    public ServerProcess Server => _fleet!.Server;

    public HaProxyInstance Proxy => _fleet!.Proxy;

    public GrpcChannel Channel { get; private set; } = null!;

    public string DataDirectory => _fleet!.DataDirectory;

    public IReadOnlyDictionary<string, (int Blue, int Green)> Ports => _fleet!.Ports;

    /// <summary>Service names the tests may use; each has backends in the haproxy config.</summary>
    public static readonly string[] ServiceNames = ["shop", "cart", "auth", "search", "mail"];

    public async Task InitializeAsync()
    {
        _fleet = await ServerFleet.StartAsync("gateway", ServiceNames, TestChecks.Fast);
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Server.GrpcPort}");
    }

    /// <summary>Starts blue v1 of a service as if it ran before the orchestrator took over.</summary>
    public Task StartBlueAsync(string service) => _fleet!.StartBlueAsync(service);

    public static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    public static Metadata Admin => Bearer(ServerProcess.AdminToken);

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }
}
