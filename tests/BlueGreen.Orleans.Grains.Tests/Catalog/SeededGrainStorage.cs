using System.Collections.Concurrent;
using BlueGreen.Orleans.Grains.Catalog;
using Orleans.Storage;

namespace BlueGreen.Orleans.Grains.Tests.Catalog;

/// <summary>
/// The silo's real (memory) grain storage, with a catalog already written before the silo started, and services whose
/// state cannot be read (a corrupt row): their grains fail to activate. Records which service states were read.
/// </summary>
internal sealed class SeededGrainStorage(CatalogState catalog, IReadOnlySet<string> unreadable) : IGrainStorage
{
    /// <summary>The store the silo really persists to; set when the silo resolves this storage.</summary>
    public IGrainStorage Inner { get; set; } = null!;

    public ConcurrentQueue<string> ServicesRead { get; } = new();

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.Key.ToString()!;
        if (stateName == "service")
        {
            ServicesRead.Enqueue(key);
            if (unreadable.Contains(key))
            {
                throw new IOException($"row of service '{key}' is corrupt");
            }
        }

        await Inner.ReadStateAsync(stateName, grainId, grainState);
        if (stateName == "catalog" && grainState.ETag is null && catalog is T seeded)
        {
            grainState.State = seeded;
        }
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Inner.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Inner.ClearStateAsync(stateName, grainId, grainState);
}
