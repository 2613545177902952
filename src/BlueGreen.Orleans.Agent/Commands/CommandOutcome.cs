using BlueGreen.Orleans.Agent.Snapshots;

namespace BlueGreen.Orleans.Agent.Commands;

/// <summary>The answer to one command: what was read, or the one-line error, and how long it took.</summary>
internal sealed record CommandOutcome(string Id, bool Ok, string? Error, TimeSpan Duration, FleetSnapshot? Snapshot = null, DrainView? Drain = null)
{
    /// <summary>For a routes reading: the runtime map now.</summary>
    public IReadOnlyDictionary<string, string>? Routes { get; init; }
}
