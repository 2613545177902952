using BlueGreen.Orleans.Harness;
using Grpc.Core;
using Grpc.Net.Client;

namespace BlueGreen.Orleans.Agent.Tests.Server;

/// <summary>One real bluegreen-server (embedded mode) for the agent stream tests, stopped by PID at the end.</summary>
public sealed class AgentServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempFolder _data = new("agent-server");

    public ServerProcess Server { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public string Url => $"http://127.0.0.1:{Server.GrpcPort}";

    public static Metadata Admin { get; } = new() { { "authorization", "Bearer " + ServerProcess.AdminToken } };

    public static Metadata Read { get; } = new() { { "authorization", "Bearer " + ServerProcess.ReadToken } };

    public string[] Cli(params string[] args) => [.. args, "--server", Url, "--token", ServerProcess.AdminToken];

    public async Task InitializeAsync()
    {
        Server = new ServerProcess(_data.Path);
        await Server.StartAsync();
        Channel = GrpcChannel.ForAddress(Url);
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}
