namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>
/// What differs between two snapshots: the backends that are new or changed (whole, as now), and the ones gone.
/// <see cref="Full"/>: there was no previous snapshot, so <see cref="Changed"/> is every backend.
/// </summary>
internal sealed record SnapshotChange(DateTimeOffset ReadAt, int WorkerPid, bool Full, IReadOnlyList<BackendView> Changed, IReadOnlyList<string> Removed)
{
    public bool IsEmpty => !Full && Changed.Count == 0 && Removed.Count == 0;

    public long WorkerUptimeSeconds { get; init; }
}
