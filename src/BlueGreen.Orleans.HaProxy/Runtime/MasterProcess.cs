namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>One row of the master CLI's <c>show proc</c>: the master, a worker or an old (stopping) worker.</summary>
/// <param name="Reloads">For a worker, how many reloads it has survived; for the master, how many reloads it ran.</param>
/// <param name="FailedReloads">The master's <c>[failed: N]</c>; null for workers.</param>
public sealed record MasterProcess(int Pid, string Type, int Reloads, int? FailedReloads, TimeSpan Uptime, string Version);
