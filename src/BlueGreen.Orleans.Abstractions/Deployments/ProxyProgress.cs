namespace BlueGreen.Orleans.Deployments;

/// <summary>One proxy's part in a deployment: what the CLI shows as one row.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ProxyProgress")]
public sealed record ProxyProgress
{
    [Id(0)] public required string ProxyId { get; init; }

    /// <summary>The target backend as this proxy last saw it, e.g. "UP 2/2" or "DOWN (L4CON)".</summary>
    [Id(1)] public string Health { get; init; } = "unknown";

    [Id(2)] public bool Healthy { get; init; }

    [Id(3)] public DateTimeOffset? SwitchedAt { get; init; }

    [Id(4)] public string? Error { get; init; }

    /// <summary>Sessions still open on the old colour, read after the switch: on the live worker and, through the master CLI, on old workers.</summary>
    [Id(5)] public long? SessionsLeft { get; init; }

    /// <summary>The live worker the drain last read (to notice a reload or restart).</summary>
    [Id(6)] public int? WorkerPid { get; init; }

    /// <summary>The master the drain last read through the master CLI (a new one means a full restart).</summary>
    [Id(7)] public int? MasterPid { get; init; }

    /// <summary>Of <see cref="SessionsLeft"/>, those on old workers; null when no master CLI shows them.</summary>
    [Id(8)] public long? OldWorkerSessions { get; init; }

    /// <summary>
    /// The worker changed after the switch and no master CLI shows the old one: its sessions to the old colour cannot be
    /// counted, so this proxy only counts as drained at the drain deadline.
    /// </summary>
    [Id(9)] public bool OldWorkersUnseen { get; init; }

    /// <summary>When the drain saw that this proxy's HAProxy was restarted (not reloaded) after the switch.</summary>
    [Id(10)] public DateTimeOffset? RestartedAt { get; init; }

    /// <summary>
    /// With <see cref="RestartedAt"/>: the sessions to the old colour open at the drain's last read before the restart,
    /// which died with that HAProxy; null when the restart came before the drain had read this proxy (unknown).
    /// </summary>
    [Id(11)] public long? SessionsLost { get; init; }

    /// <summary>A restart cut (or may have cut) requests to the old colour here: the drain was not clean.</summary>
    public bool SessionsCut => RestartedAt is not null && SessionsLost != 0;
}
