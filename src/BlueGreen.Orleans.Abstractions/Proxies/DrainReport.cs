using System.Collections.Immutable;

namespace BlueGreen.Orleans.Proxies;

/// <summary>
/// One backend on one proxy as a drain must see it: every worker that can still send to it. After a reload the old
/// worker keeps its connections and keeps sending requests on them to the backend they were routed to; the live
/// worker's <c>show stat</c> does not see them, the master CLI does.
/// </summary>
[GenerateSerializer, Immutable, Alias("bluegreen.DrainReport")]
public sealed record DrainReport
{
    /// <summary>The live worker's view, through the Runtime API.</summary>
    [Id(0)] public required BackendReport Live { get; init; }

    /// <summary>The pid of the worker that answered <see cref="Live"/>; null when unknown.</summary>
    [Id(1)] public int? WorkerPid { get; init; }

    /// <summary>How long that worker had been running (<c>Uptime_sec</c>); null when unknown.</summary>
    [Id(2)] public TimeSpan? WorkerUptime { get; init; }

    /// <summary>Whether the proxy is registered with a master CLI socket.</summary>
    [Id(3)] public bool HasMaster { get; init; }

    /// <summary>The master's pid from <c>show proc</c>; null without a master socket or when it could not be read.</summary>
    [Id(4)] public int? MasterPid { get; init; }

    /// <summary>How long the master had been running: a full restart starts a new one, a reload keeps it.</summary>
    [Id(5)] public TimeSpan? MasterUptime { get; init; }

    /// <summary>Every worker other than the live one (old workers, mostly), with its sessions to the backend.</summary>
    [Id(6)] public ImmutableList<WorkerSessions> OtherWorkers { get; init; } = [];

    /// <summary>Why the master CLI could not be read (null: read, or none registered).</summary>
    [Id(7)] public string? MasterError { get; init; }

    /// <summary>True when the master CLI answered: <see cref="OtherWorkers"/> is then complete.</summary>
    public bool MasterRead => HasMaster && MasterError is null && MasterPid is not null;

    /// <summary>Sessions on the other workers.</summary>
    public long OtherSessions => OtherWorkers.Sum(w => w.Sessions);

    /// <summary>Sessions on every worker seen: the live one and the others.</summary>
    public long Sessions => Live.Sessions + OtherSessions;
}
