using System.Collections.Immutable;
using BlueGreen.Orleans.Catalog;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Catalog;

/// <summary>
/// The lists of proxies and services, the services with a deployment to resume after a restart, and which service holds
/// each route key. It is on every apply, start and finish, so its changes are group committed: the changing calls
/// interleave, and those that arrive while a write runs share the next one (<see cref="GroupCommit{T}"/>). Each change is
/// applied, in order, when its write starts, so two services can never both claim a key, and a caller hears its answer
/// only once the write that carried its change succeeded.
/// </summary>
internal sealed partial class CatalogGrain(
    [PersistentState("catalog", BlueGreenStorage.Name)] IPersistentState<CatalogState> state,
    ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    private GroupCommit<CatalogChange>? _line;

    private GroupCommit<CatalogChange> Line => _line ??= new GroupCommit<CatalogChange>(CommitAsync);

    public Task SetProxyAsync(string id, bool exists) =>
        UpdateAsync(s => s with { Proxies = exists ? s.Proxies.Add(id) : s.Proxies.Remove(id) });

    public Task SetServiceAsync(string name, bool exists) =>
        UpdateAsync(s => s with { Services = exists ? s.Services.Add(name) : s.Services.Remove(name) });

    public Task SetActiveAsync(string name, bool active) =>
        UpdateAsync(s => s with { Active = active ? s.Active.Add(name) : s.Active.Remove(name) });

    public async Task<string?> ClaimRouteKeyAsync(string routeKey, string service)
    {
        var claim = new CatalogChange(s => s.RouteKeys.TryGetValue(routeKey, out var owner)
            ? (s, owner == service ? null : owner)
            : (s with { RouteKeys = s.RouteKeys.Add(routeKey, service) }, null));
        await Line.CommitAsync(claim);
        return claim.Answer;
    }

    public Task ReleaseRouteKeyAsync(string routeKey, string service) =>
        UpdateAsync(s => s.RouteKeys.TryGetValue(routeKey, out var owner) && owner == service
            ? s with { RouteKeys = s.RouteKeys.Remove(routeKey) }
            : s);

    public Task<bool> NeedsRouteKeyIndexAsync() => Task.FromResult(!state.State.RouteKeysIndexed);

    public Task IndexRouteKeysAsync(ImmutableList<KeyValuePair<string, string>> routeKeys) => UpdateAsync(s =>
    {
        var claims = s.RouteKeys;
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

        return s with { RouteKeys = claims, RouteKeysIndexed = true };
    });

    public Task<ImmutableSortedSet<string>> ListProxiesAsync() => Task.FromResult(state.State.Proxies);

    public Task<ImmutableSortedSet<string>> ListServicesAsync() => Task.FromResult(state.State.Services);

    public Task<ImmutableSortedSet<string>> ListActiveAsync() => Task.FromResult(state.State.Active);

    private Task UpdateAsync(Func<CatalogState, CatalogState> change) => Line.CommitAsync(new CatalogChange(change));

    /// <summary>
    /// One write for a batch of changes. A failed write fails every caller of the batch, and memory is what storage holds
    /// again (re-read: the write may have landed before it failed, or another copy wrote, an ETag conflict); the changes
    /// waiting for the next write are applied to that then, as they were never applied before.
    /// </summary>
    private async Task CommitAsync(IReadOnlyList<CatalogChange> batch)
    {
        var before = state.State;
        var next = batch.Aggregate(before, (s, change) => change.ApplyTo(s));
        if (next == before)
        {
            // Immutable collections return themselves for a change that changes nothing: no write.
            return;
        }

        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            try
            {
                await state.ReadStateAsync();
            }
            catch (Exception reread) when (reread is not OperationCanceledException)
            {
                Log.RereadFailed(logger, reread);
                state.State = before;
            }

            throw;
        }
    }
}
