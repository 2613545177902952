using System.Collections.Immutable;

namespace BlueGreen.Orleans.Proxies;

/// <summary>
/// What the gateway holding an agent's stream learned since its last report (at most one report a second per stream;
/// an empty one is a heartbeat, which also asks whether the stream may go on).
/// </summary>
[GenerateSerializer, Immutable, Alias("bluegreen.AgentReport")]
public sealed record AgentReport
{
    /// <summary>The routes version the agent last acknowledged holding (null: no ack since the last report).</summary>
    [Id(0)] public long? HeldVersion { get; init; }

    /// <summary>When the agent read its HAProxy for the last snapshot it sent (null: none since the last report).</summary>
    [Id(1)] public DateTimeOffset? SnapshotReadAt { get; init; }

    [Id(2)] public int? HaProxyPid { get; init; }

    /// <summary>The last snapshot's error (HAProxy could not be read), or null.</summary>
    [Id(3)] public string? SnapshotError { get; init; }

    /// <summary>
    /// True: <see cref="Backends"/> is every backend (the grain drops the ones it does not list); false: only the
    /// backends that changed since the last report, and <see cref="RemovedBackends"/> the ones gone.
    /// </summary>
    [Id(4)] public bool Full { get; init; }

    /// <summary>The backends new or changed since the last report, each whole, as the agent last read them.</summary>
    [Id(5)] public ImmutableDictionary<string, BackendReport> Backends { get; init; } = ImmutableDictionary<string, BackendReport>.Empty;

    [Id(6)] public ImmutableHashSet<string> RemovedBackends { get; init; } = ImmutableHashSet<string>.Empty;
}
