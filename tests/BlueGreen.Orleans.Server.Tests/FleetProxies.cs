using BlueGreen.Orleans.Harness;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>Registers every haproxy of a <see cref="ServerFleet"/> with its server as edge-0, edge-1, … (direct mode).</summary>
internal static class FleetProxies
{
    public static async Task RegisterAsync(GrpcChannel channel, ServerFleet fleet)
    {
        var proxies = new V1.Proxies.ProxiesClient(channel);
        for (var i = 0; i < fleet.Proxies.Count; i++)
        {
            var proxy = fleet.Proxies[i];
            await proxies.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = $"edge-{i}", RuntimeApi = proxy.RuntimeApi.ToString(), MapFile = proxy.MapFile }, GatewayFixture.Admin);
        }
    }
}
