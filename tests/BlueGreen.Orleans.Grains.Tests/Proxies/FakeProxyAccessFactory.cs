using System.Collections.Concurrent;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>One <see cref="FakeProxyAccess"/> per map file, the same one every time the grain asks.</summary>
internal sealed class FakeProxyAccessFactory : IProxyAccessFactory
{
    private readonly ConcurrentDictionary<string, FakeProxyAccess> _proxies = new(StringComparer.Ordinal);

    public FakeProxyAccess For(string mapFile) => _proxies.GetOrAdd(mapFile, file => new FakeProxyAccess(file));

    public IProxyAccess Create(ProxyRegistration registration) => For(registration.MapFile);
}
