namespace BlueGreen.Orleans.Deployments;

/// <summary>One thing that happened during a deployment (a step began or ended, a proxy switched…).</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.DeploymentEvent")]
public sealed record DeploymentEvent(
    [property: Id(0)] int Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] DeploymentStep Step,
    [property: Id(3)] string? ProxyId,
    [property: Id(4)] string Message);
