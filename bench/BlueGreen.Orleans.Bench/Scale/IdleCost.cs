namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>CPU cores used at rest (health checks, proxy monitors), averaged over a window.</summary>
internal sealed record IdleCost(double HaProxyCores, double EchoCores, double SiloCores, TimeSpan Window);
