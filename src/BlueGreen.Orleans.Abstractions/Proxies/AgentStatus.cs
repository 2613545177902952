namespace BlueGreen.Orleans.Proxies;

/// <summary>What a proxy grain in agent mode knows of its agent (memory only: a new activation knows nothing until the agent reports).</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.AgentStatus")]
public sealed record AgentStatus
{
    /// <summary>A stream is open and reported within the last <c>ProxyGrain.AgentSilence</c>.</summary>
    [Id(0)] public bool Connected { get; init; }

    [Id(1)] public string? AgentVersion { get; init; }

    [Id(2)] public DateTimeOffset? LastSeenAt { get; init; }

    /// <summary>The routes version the agent last said it holds.</summary>
    [Id(3)] public long? HeldVersion { get; init; }

    /// <summary>When the agent read its HAProxy for its last snapshot; its age is judged by the reader.</summary>
    [Id(4)] public DateTimeOffset? SnapshotReadAt { get; init; }

    /// <summary>The snapshot's age on the grain's monotonic clock when the status was taken.</summary>
    [Id(5)] public TimeSpan? SnapshotAge { get; init; }

    [Id(6)] public int? HaProxyPid { get; init; }

    [Id(7)] public long? HaProxyUptimeSeconds { get; init; }

    [Id(8)] public string? HaProxyVersion { get; init; }

    /// <summary>The version of the routes the server wants this agent to hold (0: none pushed yet); equal to <see cref="HeldVersion"/> once it converged.</summary>
    [Id(9)] public long DesiredVersion { get; init; }
}
