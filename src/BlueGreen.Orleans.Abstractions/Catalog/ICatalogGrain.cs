using System.Collections.Immutable;

namespace BlueGreen.Orleans.Catalog;

/// <summary>Which proxies and services exist (single key 0), and which services have a deployment to resume.</summary>
[Alias("bluegreen.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithIntegerKey
{
    [Alias("SetProxy")]
    Task SetProxyAsync(string id, bool exists);

    [Alias("SetService")]
    Task SetServiceAsync(string name, bool exists);

    /// <summary>Marks a service as having a running deployment, so a restarted cluster resumes it.</summary>
    [Alias("SetActive")]
    Task SetActiveAsync(string name, bool active);

    [Alias("ListProxies")]
    Task<ImmutableSortedSet<string>> ListProxiesAsync();

    [Alias("ListServices")]
    Task<ImmutableSortedSet<string>> ListServicesAsync();

    [Alias("ListActive")]
    Task<ImmutableSortedSet<string>> ListActiveAsync();
}
