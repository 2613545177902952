using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Agent.Commands;

/// <summary>Sessions still using a backend: on the live worker, and on each old worker when the master CLI was read.</summary>
internal sealed record DrainView(string Backend, long LiveSessions, IReadOnlyList<WorkerSessionCount> OldWorkers, bool OldWorkersRead, DateTimeOffset ReadAt);
