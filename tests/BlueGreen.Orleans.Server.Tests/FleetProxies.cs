using System.Net;
using System.Net.Sockets;
using BlueGreen.Orleans.Harness;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// A <see cref="ServerFleet"/>'s haproxy processes as the fleet tests use them: registered with its server as edge-0,
/// edge-1, … (direct mode), each frontend awaited, and whether an instance still listens.
/// </summary>
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

    /// <summary>Waits until every proxy's frontend answers <paramref name="host"/> as <paramref name="done"/> says; returns each answer.</summary>
    public static async Task<IReadOnlyList<FrontendReply>> EveryProxyAsync(ServerFleet fleet, string host, IReadOnlyDictionary<string, string> headers, Func<FrontendReply, bool> done, string what) =>
        await Task.WhenAll(fleet.Proxies.Select(async (proxy, i) =>
        {
            using var http = new FrontendClient(proxy.FrontendUrl);
            return await Eventually.UntilAsync(() => http.GetAsync(host, headers), done, TimeSpan.FromSeconds(20), $"edge-{i}: {what}");
        }));

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/> (an instance not stopped).</summary>
    public static bool Listening(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
