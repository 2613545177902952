namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>One backend's servers, in HAProxy's order; equal when every server is equal (what the diff compares).</summary>
internal sealed class BackendView(string name, IReadOnlyList<ServerView> servers) : IEquatable<BackendView>
{
    public string Name { get; } = name;

    public IReadOnlyList<ServerView> Servers { get; } = servers;

    public bool Equals(BackendView? other) =>
        other is not null && string.Equals(Name, other.Name, StringComparison.Ordinal) && Servers.SequenceEqual(other.Servers);

    public override bool Equals(object? obj) => Equals(obj as BackendView);

    public override int GetHashCode() => HashCode.Combine(Name, Servers.Count);

    public override string ToString() => $"{Name} [{string.Join(", ", Servers.Select(s => $"{s.Name} {s.Status} {s.Sessions}"))}]";
}
