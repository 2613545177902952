namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>
/// One worker's sessions to one backend, read through the master CLI: <c>scur</c> plus <c>used_cur</c> over its
/// servers. <see cref="Exited"/>: the worker was gone by the time it was asked (it had finished its connections).
/// </summary>
public sealed record WorkerSessionCount(int Pid, long Sessions, bool Exited);
