namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>Every backend of one HAProxy as one tick read it, with when and from which worker.</summary>
internal sealed record FleetSnapshot(DateTimeOffset ReadAt, int WorkerPid, IReadOnlyDictionary<string, BackendView> Backends)
{
    /// <summary>How long that worker had run (<c>Uptime_sec</c> of the last <c>show info</c>).</summary>
    public long WorkerUptimeSeconds { get; init; }
}
