namespace BlueGreen.Orleans.Proxies;

/// <summary>What an agent did with a version of desired routes (agent.proto's RoutesAckStatus).</summary>
[GenerateSerializer, Alias("bluegreen.AgentAckStatus")]
public enum AgentAckStatus
{
    /// <summary>HAProxy's runtime map, the map file and the agent's state file hold the version now.</summary>
    Applied = 0,

    /// <summary>The agent already held the version: nothing was touched.</summary>
    AlreadyHeld = 1,

    /// <summary>Older than the version held: ignored.</summary>
    Stale = 2,

    /// <summary>Over a limit or a name outside the allow-list: ignored.</summary>
    Refused = 3,

    /// <summary>Taken on the agent's disk, but HAProxy's runtime failed: the agent retries on its own.</summary>
    Failed = 4,

    /// <summary>
    /// HAProxy's runtime map holds the version (traffic follows it), the agent's disk not yet: a final acknowledgement
    /// of the same version follows (<see cref="IAgentLink.DurableAsync"/>).
    /// </summary>
    RuntimeApplied = 5,
}
