using BlueGreen.Orleans.Agent.Snapshots;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Agent.Commands;

/// <summary>
/// Sessions still using a backend: on the live worker (with its servers as read, its pid and uptime), and on each old
/// worker when the master CLI was read (with the master's pid and uptime: a restart starts a new master, a reload keeps
/// it). <see cref="MasterError"/> says why a master CLI the agent has could not be read.
/// </summary>
internal sealed record DrainView(string Backend, long LiveSessions, IReadOnlyList<WorkerSessionCount> OldWorkers, bool OldWorkersRead, DateTimeOffset ReadAt)
{
    public BackendView? Servers { get; init; }

    public int WorkerPid { get; init; }

    public long WorkerUptimeSeconds { get; init; }

    public int MasterPid { get; init; }

    public TimeSpan MasterUptime { get; init; }

    public string? MasterError { get; init; }
}
