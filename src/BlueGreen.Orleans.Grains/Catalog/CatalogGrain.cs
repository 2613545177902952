using System.Collections.Immutable;
using BlueGreen.Orleans.Catalog;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Catalog;

/// <summary>
/// The lists of proxies and services, the services with a deployment to resume after a restart, and which service holds
/// each route key. One activation serves one call at a time, so two services can never both claim a key.
/// </summary>
internal sealed partial class CatalogGrain(
    [PersistentState("catalog", BlueGreenStorage.Name)] IPersistentState<CatalogState> state,
    ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    public Task SetProxyAsync(string id, bool exists) =>
        UpdateAsync(state.State with { Proxies = exists ? state.State.Proxies.Add(id) : state.State.Proxies.Remove(id) });

    public Task SetServiceAsync(string name, bool exists) =>
        UpdateAsync(state.State with { Services = exists ? state.State.Services.Add(name) : state.State.Services.Remove(name) });

    public Task SetActiveAsync(string name, bool active) =>
        UpdateAsync(state.State with { Active = active ? state.State.Active.Add(name) : state.State.Active.Remove(name) });

    public async Task<string?> ClaimRouteKeyAsync(string routeKey, string service)
    {
        if (state.State.RouteKeys.TryGetValue(routeKey, out var owner))
        {
            return owner == service ? null : owner;
        }

        await UpdateAsync(state.State with { RouteKeys = state.State.RouteKeys.Add(routeKey, service) });
        return null;
    }

    public Task ReleaseRouteKeyAsync(string routeKey, string service) =>
        state.State.RouteKeys.TryGetValue(routeKey, out var owner) && owner == service
            ? UpdateAsync(state.State with { RouteKeys = state.State.RouteKeys.Remove(routeKey) })
            : Task.CompletedTask;

    public Task<bool> NeedsRouteKeyIndexAsync() => Task.FromResult(!state.State.RouteKeysIndexed);

    public async Task IndexRouteKeysAsync(ImmutableList<KeyValuePair<string, string>> routeKeys)
    {
        var claims = state.State.RouteKeys;
        foreach (var (key, service) in routeKeys)
        {
            if (!claims.TryGetValue(key, out var owner))
            {
                claims = claims.Add(key, service);
            }
            else if (owner != service)
            {
                Log.RouteKeyShared(logger, key, owner, service);
            }
        }

        await UpdateAsync(state.State with { RouteKeys = claims, RouteKeysIndexed = true });
    }

    public Task<ImmutableSortedSet<string>> ListProxiesAsync() => Task.FromResult(state.State.Proxies);

    public Task<ImmutableSortedSet<string>> ListServicesAsync() => Task.FromResult(state.State.Services);

    public Task<ImmutableSortedSet<string>> ListActiveAsync() => Task.FromResult(state.State.Active);

    private async Task UpdateAsync(CatalogState next)
    {
        if (next == state.State)
        {
            return;
        }

        state.State = next;
        await state.WriteStateAsync();
    }
}
