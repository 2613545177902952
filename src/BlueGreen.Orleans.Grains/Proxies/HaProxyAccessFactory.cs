using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>Reaches each HAProxy directly, with the monitor's timeouts and reply cap.</summary>
internal sealed class HaProxyAccessFactory(IOptions<ProxyMonitorOptions> options, ILoggerFactory loggers) : IProxyAccessFactory
{
    public IProxyAccess Create(ProxyRegistration registration)
    {
        var monitor = options.Value;
        var client = new HaProxyRuntimeClient(
            RuntimeEndpoint.Parse(registration.RuntimeApi),
            new HaProxyRuntimeOptions { CommandTimeout = monitor.CommandTimeout, ConnectTimeout = monitor.ConnectTimeout, MaxReplyBytes = monitor.MaxReplyBytes },
            loggers.CreateLogger<HaProxyRuntimeClient>());
        var master = registration.MasterApi is { } api
            ? new HaProxyMasterClient(RuntimeEndpoint.Parse(api), new HaProxyRuntimeOptions { CommandTimeout = monitor.CommandTimeout, ConnectTimeout = monitor.ConnectTimeout })
            : null;
        return new HaProxyAccess(client, new RouteMap(client, registration.MapFile, registration.MapFileWritePath), master);
    }
}
