using System.Collections.Immutable;
using Orleans.Concurrency;

namespace BlueGreen.Orleans.Catalog;

/// <summary>
/// Which proxies and services exist, and which services have a deployment to resume; one per cluster
/// (<see cref="CatalogGrainExtensions.GetCatalogGrain"/>). The changing calls interleave and are group committed: those
/// that arrive together share one write, and each returns once the write that carried it succeeded.
/// </summary>
[Alias("bluegreen.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithIntegerKey
{
    [Alias("SetProxy")]
    [AlwaysInterleave]
    Task SetProxyAsync(string id, bool exists);

    [Alias("SetService")]
    [AlwaysInterleave]
    Task SetServiceAsync(string name, bool exists);

    /// <summary>Marks a service as having a running deployment, so a restarted cluster resumes it.</summary>
    [Alias("SetActive")]
    [AlwaysInterleave]
    Task SetActiveAsync(string name, bool active);

    /// <summary>
    /// Claims <paramref name="routeKey"/> for <paramref name="service"/>, atomically (checked and claimed in one step, in
    /// the order the claims reach the one catalog):
    /// null when the service holds it now (or held it already), else the service that holds it.
    /// </summary>
    [Alias("ClaimRouteKey")]
    [AlwaysInterleave]
    Task<string?> ClaimRouteKeyAsync(string routeKey, string service);

    /// <summary>Gives up <paramref name="routeKey"/> if <paramref name="service"/> holds it; anyone else's claim stays.</summary>
    [Alias("ReleaseRouteKey")]
    [AlwaysInterleave]
    Task ReleaseRouteKeyAsync(string routeKey, string service);

    /// <summary>Whether the claims still have to be built from the services' specs (a catalog older than claims).</summary>
    [Alias("NeedsRouteKeyIndex")]
    Task<bool> NeedsRouteKeyIndexAsync();

    /// <summary>Claims each service's route key unless it is claimed already (the first claim wins); done once.</summary>
    [Alias("IndexRouteKeys")]
    [AlwaysInterleave]
    Task IndexRouteKeysAsync(ImmutableList<KeyValuePair<string, string>> routeKeys);

    [Alias("ListProxies")]
    Task<ImmutableSortedSet<string>> ListProxiesAsync();

    [Alias("ListServices")]
    Task<ImmutableSortedSet<string>> ListServicesAsync();

    [Alias("ListActive")]
    Task<ImmutableSortedSet<string>> ListActiveAsync();
}
