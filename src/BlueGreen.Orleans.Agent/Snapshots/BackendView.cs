namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>
/// One backend's servers, in HAProxy's order, and its own row's counters (null where only server rows were read); equal
/// when every server and the counters are equal (what the diff compares).
/// </summary>
internal sealed class BackendView(string name, IReadOnlyList<ServerView> servers, BackendCounters? totals = null) : IEquatable<BackendView>
{
    public string Name { get; } = name;

    public IReadOnlyList<ServerView> Servers { get; } = servers;

    /// <summary>The BACKEND row's counters: HAProxy's own 503s (no server up) are counted there and on no server.</summary>
    public BackendCounters? Totals { get; } = totals;

    public bool Equals(BackendView? other) =>
        other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal) && Servers.SequenceEqual(other.Servers) && Totals == other.Totals;

    public override bool Equals(object? obj) => Equals(obj as BackendView);

    public override int GetHashCode() => HashCode.Combine(Name, Servers.Count);

    public override string ToString() => $"{Name} [{string.Join(", ", Servers.Select(s => $"{s.Name} {s.Status} {s.Sessions}"))}]";
}
