namespace BlueGreen.Orleans.Agent.Watching;

/// <summary>
/// Which HAProxy answered: the live worker's pid and uptime (<c>show info</c>), how often the runtime client had to
/// leave a stopping worker so far, and the master's pid when the master CLI is known.
/// </summary>
internal sealed record HaProxyIdentity(int WorkerPid, long UptimeSeconds, int StoppingWorkersLeft, int? MasterPid, string Version);
