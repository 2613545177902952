namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>What the cluster's state cost Redis: peak memory and the number of keys.</summary>
internal sealed record RedisFigures(double PeakMemoryMiB, long Keys);
