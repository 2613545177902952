using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Maps;

/// <summary>
/// One proxy's route map, held in two places that must agree: HAProxy's memory (changed through the Runtime API,
/// effective at once, lost on reload) and the map file (read at every start and reload).
/// </summary>
/// <param name="client">The proxy's Runtime API client.</param>
/// <param name="map">The map as HAProxy names it: the file path written in its config.</param>
/// <param name="filePath">Where this process writes that file; the same path when HAProxy runs on this host.</param>
public sealed class RouteMap(HaProxyRuntimeClient client, string map, string? filePath = null)
{
    public string Map { get; } = RuntimeArguments.Map(map, nameof(map));

    public string FilePath { get; } = filePath ?? map;

    /// <summary>
    /// Points <paramref name="key"/> at <paramref name="backend"/> in the file and at runtime. The file is written
    /// first; when the runtime change fails, the file is put back as it was, so both keep the old route.
    /// </summary>
    public async Task SetRouteAsync(string key, string backend, CancellationToken cancellationToken = default)
    {
        RuntimeArguments.Name(key, nameof(key));
        RuntimeArguments.Name(backend, nameof(backend));
        var before = await MapFile.UpdateAsync(FilePath, entries => MapFile.Upsert(entries, key, backend), cancellationToken);

        try
        {
            await client.UpsertMapAsync(Map, key, backend, cancellationToken);
        }
        catch
        {
            await MapFile.WriteAsync(FilePath, before, CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Points <paramref name="key"/> at <paramref name="backend"/> at runtime only (effective at once, lost on reload):
    /// the fast half of a switch. The caller persists with <see cref="SaveRouteAsync"/> right after and owns the
    /// reconciliation that covers a reload in between.
    /// </summary>
    public Task SetRuntimeRouteAsync(string key, string backend, CancellationToken cancellationToken = default) =>
        client.UpsertMapAsync(Map, RuntimeArguments.Name(key, nameof(key)), RuntimeArguments.Name(backend, nameof(backend)), cancellationToken);

    /// <summary>Points many route keys at their backends at runtime only (pipelined <c>set map</c>, <c>add map</c> for new keys).</summary>
    public Task SetRuntimeRoutesAsync(IReadOnlyCollection<KeyValuePair<string, string>> routes, CancellationToken cancellationToken = default) =>
        client.UpsertMapEntriesAsync(Map, routes, cancellationToken);

    /// <summary>Writes one route to the map file only (atomically, under the file's lock), for the next reload.</summary>
    public Task SaveRouteAsync(string key, string backend, CancellationToken cancellationToken = default) =>
        MapFile.SetEntryAsync(FilePath, RuntimeArguments.Name(key, nameof(key)), RuntimeArguments.Name(backend, nameof(backend)), cancellationToken);

    /// <summary>
    /// Writes many routes to the map file only, in one atomic write (a null value removes the key's lines): the routes
    /// a group commit carries, for the next reload.
    /// </summary>
    public Task SaveRoutesAsync(IReadOnlyDictionary<string, string?> routes, CancellationToken cancellationToken = default) =>
        MapFile.ApplyAsync(FilePath, routes, cancellationToken);

    /// <summary>Removes a route from the runtime map only (the file is the caller's); absent already is done.</summary>
    public async Task RemoveRuntimeRouteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.DeleteMapAsync(Map, RuntimeArguments.Name(key, nameof(key)), cancellationToken);
        }
        catch (HaProxyEntryNotFoundException)
        {
            // Already absent at runtime: the desired state holds.
        }
    }

    /// <summary>Removes a route from the file and from the runtime map.</summary>
    public async Task RemoveRouteAsync(string key, CancellationToken cancellationToken = default)
    {
        RuntimeArguments.Name(key, nameof(key));
        await MapFile.RemoveEntryAsync(FilePath, key, cancellationToken);
        try
        {
            await client.DeleteMapAsync(Map, key, cancellationToken);
        }
        catch (HaProxyEntryNotFoundException)
        {
            // Already absent at runtime: the desired state holds.
        }
    }

    /// <summary>Replaces every route: the file atomically, then the runtime map atomically (prepare/commit).</summary>
    public async Task ReplaceAllAsync(IReadOnlyDictionary<string, string> routes, CancellationToken cancellationToken = default)
    {
        var entries = routes.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new MapEntry(r.Key, r.Value)).ToList();
        await MapFile.WriteAsync(FilePath, entries, cancellationToken);
        await client.ReplaceMapAsync(Map, routes, cancellationToken);
    }

    /// <summary>The backend HAProxy routes <paramref name="key"/> to right now (the first entry of the key), or null.</summary>
    public Task<string?> ReadRuntimeRouteAsync(string key, CancellationToken cancellationToken = default) =>
        client.GetMapAsync(Map, key, cancellationToken);

    /// <summary>The routes HAProxy holds right now.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadRuntimeAsync(CancellationToken cancellationToken = default)
    {
        var entries = await client.ShowMapAsync(Map, cancellationToken);
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            // HAProxy matches the first entry of a key; later duplicates are shadowed.
            routes.TryAdd(entry.Key, entry.Value);
        }

        return routes;
    }
}
