using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Rules;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

// bluegreen-stream-peer SERVER_URL CA_FILE PROXY_ID [HAPROXY_SOCKET MAP]: see the project file. CA_FILE is read for https:// only.
if (args.Length is not (3 or 5))
{
    await Console.Error.WriteLineAsync("usage: bluegreen-stream-peer SERVER_URL CA_FILE PROXY_ID [HAPROXY_SOCKET MAP]");
    return 2;
}

var handler = new SocketsHttpHandler
{
    KeepAlivePingDelay = TimeSpan.FromSeconds(20),
    KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
    KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
    ConnectTimeout = TimeSpan.FromSeconds(10),
};
if (args[0].StartsWith("https://", StringComparison.Ordinal))
{
    // As the agent does with --ca-file: the gateway's chain must end at this CA.
    var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
    policy.CustomTrustStore.AddRange(CertificateAuthorities.Load(args[1]));
    handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
}
using var channel = GrpcChannel.ForAddress(args[0], new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
await using var haproxy = args.Length == 5 ? new HaProxyRuntimeClient(RuntimeEndpoint.Unix(args[3])) : null;
var map = args.Length == 5 ? args[4] : string.Empty;

using var call = new V1.Agents.AgentsClient(channel).Connect(new Metadata { { "authorization", "Bearer stream-floor" } });
await call.RequestStream.WriteAsync(new V1.AgentMessage { Hello = new V1.AgentHello { ProxyId = args[2] } });
while (await call.ResponseStream.MoveNext(CancellationToken.None))
{
    if (call.ResponseStream.Current.Routes is not { } routes)
    {
        continue;
    }

    if (haproxy is not null)
    {
        foreach (var (key, value) in routes.Routes)
        {
            await haproxy.SetMapAsync(map, key, value);
        }
    }

    await call.RequestStream.WriteAsync(new V1.AgentMessage { RoutesAck = new V1.RoutesAck { Version = routes.Version, Status = V1.RoutesAckStatus.RuntimeApplied } });
}

return 0;
