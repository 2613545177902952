namespace BlueGreen.Orleans.Instances;

/// <summary>
/// A runtime that can take over an instance started outside it (the service ran before the orchestrator did), so that
/// retiring that colour later stops it like one of its own.
/// </summary>
public interface IAdoptingRuntime
{
    /// <summary>
    /// Records what runs as <paramref name="spec"/> would (found at its address and port) as the instance
    /// <see cref="InstanceSpec.Name"/>. Returns its state: the known instance when the runtime already runs one of that
    /// name; null when nothing listens there. Throws <see cref="InstanceRuntimeException"/> when what listens there is
    /// not what the spec starts, or runs as another user: the runtime will not signal it.
    /// </summary>
    Task<InstanceState?> AdoptAsync(InstanceSpec spec, CancellationToken cancellationToken = default);
}
