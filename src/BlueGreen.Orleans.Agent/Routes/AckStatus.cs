namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>What became of a desired-routes version (agent.proto's RoutesAckStatus).</summary>
internal enum AckStatus
{
    /// <summary>Runtime map, map file and state file hold it.</summary>
    Applied,

    /// <summary>Already held: nothing touched.</summary>
    AlreadyHeld,

    /// <summary>Older than the held version: ignored.</summary>
    Stale,

    /// <summary>Over a limit or outside the allow-list: ignored.</summary>
    Refused,

    /// <summary>Taken (state and map file) but the runtime failed, retried every tick; or the state file could not be written.</summary>
    Failed,

    /// <summary>The runtime map holds it, the state and map files not yet: the first of a server version's two acknowledgements.</summary>
    RuntimeApplied,
}
