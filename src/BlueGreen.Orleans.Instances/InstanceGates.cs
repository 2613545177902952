using System.Collections.Concurrent;

namespace BlueGreen.Orleans.Instances;

/// <summary>One lock per instance name: a start, a stop and a remove of the same instance never interleave.</summary>
internal sealed class InstanceGates : IDisposable
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<T> RunAsync<T>(string name, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await action();
        }
        finally
        {
            gate.Release();
        }
    }

    public Task RunAsync(string name, Func<Task> action, CancellationToken cancellationToken) =>
        RunAsync(name, async () =>
        {
            await action();
            return true;
        }, cancellationToken);

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }
}
