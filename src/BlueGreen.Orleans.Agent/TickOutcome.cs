using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Snapshots;

namespace BlueGreen.Orleans.Agent;

/// <summary>
/// One tick: the re-apply it ran (HAProxy changed, or an earlier attempt failed), the snapshot it read when one was due,
/// or why HAProxy could not be read; and whether it found HAProxy reloaded or restarted since the tick before.
/// </summary>
internal sealed record TickOutcome(RoutesApplyResult? Reapplied, FleetSnapshot? Snapshot, string? Error)
{
    public bool HaProxyChanged { get; init; }
}
