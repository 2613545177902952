using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli;

/// <summary>What every command needs: where the server is, the token, the output format and the console.</summary>
internal sealed class CliContext(IAnsiConsole console, Uri server, string? token, OutputFormat output, string? caFile = null) : IDisposable
{
    private readonly GrpcChannel _channel = ServerTransport.Open(server, caFile);

    public IAnsiConsole Console { get; } = console;

    public OutputFormat Output { get; } = output;

    public Uri Server { get; } = server;

    public V1.Proxies.ProxiesClient Proxies => new(_channel);

    public V1.Services.ServicesClient Services => new(_channel);

    public V1.Deployments.DeploymentsClient Deployments => new(_channel);

    /// <summary>The bearer token as call metadata; the token itself is never printed.</summary>
    public Metadata Headers => token is null ? [] : new Metadata { { "authorization", $"Bearer {token}" } };

    public CallOptions Call(CancellationToken cancellationToken, TimeSpan? deadline = null) =>
        new(Headers, DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30)), cancellationToken);

    public void Dispose() => _channel.Dispose();
}
