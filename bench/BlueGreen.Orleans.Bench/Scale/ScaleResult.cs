using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>Everything the scale run measured, filled in phase by phase.</summary>
internal sealed record ScaleResult
{
    public required ScaleOptions Options { get; init; }

    public TimeSpan ProxyStartTime { get; init; }

    public long ConfigBytes { get; init; }

    public TimeSpan ProxyRegistration { get; init; }

    public TimeSpan ServiceRegistration { get; init; }

    public LatencyStats? ApplyLatency { get; init; }

    public IdleCost? Idle { get; init; }

    /// <summary>CPU used while the proxies and services were registered.</summary>
    public IdleCost? Registering { get; init; }

    /// <summary>CPU used while the releases ran (first ReleaseAsync call → the bench saw the last one finished).</summary>
    public IdleCost? Wave { get; init; }

    /// <summary>CPU used in the first 2 s of the releases, when every one of them provisions at once.</summary>
    public IdleCost? Burst { get; init; }

    /// <summary>Until every ReleaseAsync call had returned (each deployment created and persisted).</summary>
    public TimeSpan ReleasesAccepted { get; init; }

    /// <summary>From the first ReleaseAsync call until the bench saw the last deployment finished.</summary>
    public TimeSpan ReleasesWall { get; init; }

    public IReadOnlyDictionary<int, DeploymentRecord> Records { get; init; } = new Dictionary<int, DeploymentRecord>();

    /// <summary>Releases that could not be started or did not finish in time, by service index.</summary>
    public IReadOnlyDictionary<int, string> ReleaseErrors { get; init; } = new Dictionary<int, string>();

    public ConsistencyCheck Consistency { get; init; } = new(0, new HashSet<int>(), 0);

    public IReadOnlyList<double?> SiloPeakRssMiB { get; init; } = [];

    public RedisFigures? Redis { get; init; }

    /// <summary>/proc/loadavg (1 minute) when the releases started and when they ended: the machine is shared.</summary>
    public (double Start, double End) LoadAverage { get; init; }
}
