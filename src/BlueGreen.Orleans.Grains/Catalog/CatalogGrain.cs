using System.Collections.Immutable;
using BlueGreen.Orleans.Catalog;

namespace BlueGreen.Orleans.Grains.Catalog;

/// <summary>The lists of proxies and services, and the services with a deployment to resume after a restart.</summary>
internal sealed class CatalogGrain(
    [PersistentState("catalog", BlueGreenStorage.Name)] IPersistentState<CatalogState> state) : Grain, ICatalogGrain
{
    public Task SetProxyAsync(string id, bool exists) =>
        UpdateAsync(state.State with { Proxies = exists ? state.State.Proxies.Add(id) : state.State.Proxies.Remove(id) });

    public Task SetServiceAsync(string name, bool exists) =>
        UpdateAsync(state.State with { Services = exists ? state.State.Services.Add(name) : state.State.Services.Remove(name) });

    public Task SetActiveAsync(string name, bool active) =>
        UpdateAsync(state.State with { Active = active ? state.State.Active.Add(name) : state.State.Active.Remove(name) });

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
