using System.Collections.Immutable;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>What a proxy grain persists: where its HAProxy is and the routes it must hold.</summary>
[GenerateSerializer, Alias("bluegreen.ProxyState")]
public sealed record ProxyState
{
    [Id(0)] public ProxyRegistration? Registration { get; init; }

    [Id(1)] public ImmutableDictionary<string, string> Routes { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Who registered the proxy, and when.</summary>
    [Id(2)] public Change? Registered { get; init; }

    /// <summary>
    /// Each route key's desired version (see <see cref="IProxyGrain.SwitchRouteAsync"/>), kept after the route is
    /// removed so that a late call for the key stays refused.
    /// </summary>
    [Id(3)] public ImmutableDictionary<string, long> RouteVersions { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>
    /// In agent mode: the SHA-256 digest (hex) of the one agent credential issued for this proxy, never the credential;
    /// null in direct mode.
    /// </summary>
    [Id(4)] public string? AgentCredentialDigest { get; init; }

    /// <summary>
    /// In agent mode: the version of the full route set pushed to the agent whose content is <see cref="Routes"/> (kept
    /// together, so after a reactivation an agent holding this version holds these routes); 0 before the first push.
    /// </summary>
    [Id(5)] public long AgentRoutesVersion { get; init; }
}
