using System.Collections.Immutable;
using BlueGreen.Orleans.Auditing;

namespace BlueGreen.Orleans.Proxies;

/// <summary>What a proxy grain knows of its HAProxy: registration, desired routes and what it last saw.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ProxyStatus")]
public sealed record ProxyStatus
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public ProxyRegistration? Registration { get; init; }

    [Id(2)] public ImmutableDictionary<string, string> Routes { get; init; } = ImmutableDictionary<string, string>.Empty;

    [Id(3)] public bool Reachable { get; init; }

    [Id(4)] public int? Pid { get; init; }

    [Id(5)] public long? UptimeSeconds { get; init; }

    [Id(6)] public DateTimeOffset? LastSeenAt { get; init; }

    [Id(7)] public string? LastError { get; init; }

    /// <summary>How many times the desired routes were re-applied after a restart, reload or drift.</summary>
    [Id(8)] public int Reconciliations { get; init; }

    /// <summary>
    /// Every backend's servers (status, check, sessions) as the proxy's monitor last read them, at
    /// <see cref="BackendsReadAt"/>: kept when the proxy stops answering, so a status never waits on HAProxy.
    /// <see cref="ServerHealth.ConnectionsInUse"/> is not read for it (0); a deployment reads its backends live.
    /// </summary>
    [Id(9)] public ImmutableList<BackendReport> Backends { get; init; } = [];

    /// <summary>When <see cref="Backends"/> were read; null before the first read.</summary>
    [Id(10)] public DateTimeOffset? BackendsReadAt { get; init; }

    /// <summary>Who registered the proxy, and when.</summary>
    [Id(11)] public Change? Registered { get; init; }

    /// <summary>The agent, for a proxy in agent mode; null in direct mode.</summary>
    [Id(12)] public AgentStatus? Agent { get; init; }
}
