using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The real server refuses to start with cleartext gRPC on every interface, saying how to fix it.</summary>
public sealed class GatewayStartTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public async Task Start_ListenOnEveryInterfaceWithoutTls_ExitsNamingAllowInsecure(string address)
    {
        using var folder = new TempFolder("gwstart");
        await using var server = new ServerProcess(folder.File("data"), extraArguments: ["--Gateway:ListenAddress", address]);

        server.Launch();
        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        AttackLog.Record("gRPC gateway, configuration", $"start the gateway on {address} without TLS", exit is null ? "it listened" : $"refused to start, exit {exit}", exit is not null and not 0);
        Assert.NotNull(exit);
        Assert.NotEqual(0, exit);
        Assert.Contains($"Gateway:ListenAddress '{address}' is not a loopback address", server.Output, StringComparison.Ordinal);
        Assert.Contains("Gateway:AllowInsecure=true", server.Output, StringComparison.Ordinal);
    }
}
