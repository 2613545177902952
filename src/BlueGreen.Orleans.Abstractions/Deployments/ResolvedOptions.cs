namespace BlueGreen.Orleans.Deployments;

/// <summary>The deadlines a deployment runs with, fixed when it starts.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ResolvedOptions")]
public sealed record ResolvedOptions(
    [property: Id(0)] TimeSpan HealthTimeout,
    [property: Id(1)] TimeSpan DrainTimeout,
    [property: Id(2)] TimeSpan KeepWarm,
    [property: Id(3)] TimeSpan VerifyWindow,
    [property: Id(4)] double MaxErrorRatio,
    [property: Id(5)] TimeSpan StopTimeout,
    [property: Id(6)] TimeSpan MaxResponseTime = default,
    [property: Id(7)] double MaxServerErrorRatio = 0.01);
