using System.Collections.Concurrent;
using Orleans.Storage;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// The silo's real grain storage with faults to order: writes of a state name fail while told to, and a write "from
/// another activation" makes a grain's ETag stale. Everything else passes through to the real store.
/// </summary>
internal sealed class FaultyGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<string, Exception> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrainId> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _waiting = new(StringComparer.Ordinal);

    /// <summary>The store the silo really persists to; set when the silo resolves this storage.</summary>
    public IGrainStorage Inner { get; set; } = null!;

    /// <summary>Every write of <paramref name="stateName"/> throws <paramref name="failure"/> until <see cref="Heal"/>.</summary>
    public void FailWrites(string stateName, Exception failure) => _failures[stateName] = failure;

    /// <summary>Writes of <paramref name="stateName"/> neither fail nor wait from now (a held write already waiting still does).</summary>
    public void Heal(string stateName)
    {
        _failures.TryRemove(stateName, out _);
        _holds.TryRemove(stateName, out _);
    }

    /// <summary>How many writes of <paramref name="stateName"/> reached the store (whatever grain wrote them).</summary>
    public int Writes(string stateName) => _writes.GetValueOrDefault(stateName);

    /// <summary>How many writes of <paramref name="stateName"/> wait on a hold (<see cref="HoldWrites"/>) right now.</summary>
    public int Waiting(string stateName) => _waiting.GetValueOrDefault(stateName);

    /// <summary>
    /// Every write of <paramref name="stateName"/> from now waits for the returned source: a slow disk. Set a result to
    /// let them through, an exception to fail them.
    /// </summary>
    public TaskCompletionSource HoldWrites(string stateName)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holds[stateName] = gate;
        return gate;
    }

    /// <summary>What the store holds for the last grain that wrote <paramref name="stateName"/>.</summary>
    public async Task<T> StoredAsync<T>(string stateName)
        where T : class
    {
        var stored = new GrainState<T>();
        await Inner.ReadStateAsync(stateName, _written[stateName], stored);
        return stored.State ?? throw new InvalidOperationException($"nothing stored for {stateName}");
    }

    /// <summary>
    /// Writes back what the store holds for the last grain that wrote <paramref name="stateName"/>, as a second activation
    /// would: the store's ETag moves on, so that grain's next write is an ETag conflict.
    /// </summary>
    public async Task WriteBehindAsync<T>(string stateName)
    {
        var stored = new GrainState<T>();
        await Inner.ReadStateAsync(stateName, _written[stateName], stored);
        await Inner.WriteStateAsync(stateName, _written[stateName], stored);
    }

    /// <summary>
    /// Puts <paramref name="older"/> back as what the store holds for the last grain that wrote <paramref name="stateName"/>,
    /// as a restore from an older backup would: the store's ETag moves on too.
    /// </summary>
    public async Task RestoreAsync<T>(string stateName, T older)
    {
        var stored = new GrainState<T>();
        await Inner.ReadStateAsync(stateName, _written[stateName], stored);
        stored.State = older;
        await Inner.WriteStateAsync(stateName, _written[stateName], stored);
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_holds.TryGetValue(stateName, out var hold))
        {
            _waiting.AddOrUpdate(stateName, 1, (_, n) => n + 1);
            try
            {
                await hold.Task;
            }
            finally
            {
                _waiting.AddOrUpdate(stateName, 0, (_, n) => n - 1);
            }
        }

        if (_failures.TryGetValue(stateName, out var failure))
        {
            throw failure;
        }

        _written[stateName] = grainId;
        _writes.AddOrUpdate(stateName, 1, (_, n) => n + 1);
        await Inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Inner.ClearStateAsync(stateName, grainId, grainState);
}
