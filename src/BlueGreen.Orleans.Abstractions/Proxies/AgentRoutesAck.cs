namespace BlueGreen.Orleans.Proxies;

/// <summary>An agent's answer to one version of desired routes (agent.proto's RoutesAck, without the per-command detail).</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.AgentRoutesAck")]
public sealed record AgentRoutesAck
{
    [Id(0)] public long Version { get; init; }

    [Id(1)] public AgentAckStatus Status { get; init; }

    /// <summary>The version the agent holds after this ack.</summary>
    [Id(2)] public long HeldVersion { get; init; }

    /// <summary>Why a version was refused or failed (one line), or null.</summary>
    [Id(3)] public string? Error { get; init; }

    /// <summary>How long the agent took, from taking the version to this acknowledgement (the first: the runtime map only).</summary>
    [Id(4)] public TimeSpan Total { get; init; }

    /// <summary>The runtime map's part of <see cref="Total"/>: from the first <c>set map</c> to HAProxy's last reply.</summary>
    [Id(5)] public TimeSpan Runtime { get; init; }

    /// <summary>HAProxy's runtime map, the map file and the agent's state file hold <see cref="Version"/>.</summary>
    public bool Holds => Status is AgentAckStatus.Applied or AgentAckStatus.AlreadyHeld;
}
