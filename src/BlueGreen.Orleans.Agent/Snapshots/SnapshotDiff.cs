namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>What changed between the last snapshot sent and the one just read: the agent sends only that.</summary>
internal static class SnapshotDiff
{
    /// <summary>
    /// Backends new or different in <paramref name="current"/> (ordered by name), and backends of
    /// <paramref name="previous"/> that are gone; with no previous snapshot, every backend and <c>Full</c>.
    /// </summary>
    public static SnapshotChange Compute(FleetSnapshot? previous, FleetSnapshot current)
    {
        if (previous is null)
        {
            return new SnapshotChange(current.ReadAt, current.WorkerPid, true, [.. current.Backends.Values.OrderBy(b => b.Name, StringComparer.Ordinal)], []) { WorkerUptimeSeconds = current.WorkerUptimeSeconds };
        }

        var changed = current.Backends.Values
            .Where(b => !previous.Backends.TryGetValue(b.Name, out var before) || !before.Equals(b))
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        var removed = previous.Backends.Keys.Where(name => !current.Backends.ContainsKey(name)).Order(StringComparer.Ordinal).ToList();
        return new SnapshotChange(current.ReadAt, current.WorkerPid, false, changed, removed) { WorkerUptimeSeconds = current.WorkerUptimeSeconds };
    }
}
