using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>Opens the way to the HAProxy a registration names; the proxy grain owns and disposes what it gets.</summary>
public interface IProxyAccessFactory
{
    IProxyAccess Create(ProxyRegistration registration);
}
