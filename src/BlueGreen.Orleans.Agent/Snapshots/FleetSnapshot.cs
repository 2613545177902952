namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>Every backend of one HAProxy as one tick read it, with when and from which worker.</summary>
internal sealed record FleetSnapshot(DateTimeOffset ReadAt, int WorkerPid, IReadOnlyDictionary<string, BackendView> Backends);
