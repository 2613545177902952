namespace BlueGreen.Orleans.Deployments;

/// <summary>Per-deployment overrides of the service's deadlines (null: the spec's value).</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.DeploymentOptions")]
public sealed record DeploymentOptions
{
    public static readonly DeploymentOptions Default = new();

    [Id(0)] public TimeSpan? HealthTimeout { get; init; }

    [Id(1)] public TimeSpan? DrainTimeout { get; init; }

    [Id(2)] public TimeSpan? KeepWarm { get; init; }

    [Id(3)] public TimeSpan? VerifyWindow { get; init; }

    /// <summary>Stop in <see cref="DeploymentStep.Held"/> once the target is healthy, until approved or aborted.</summary>
    [Id(4)] public bool Hold { get; init; }

    /// <summary>With <see cref="Hold"/>: approve by itself this long after the hold began (null: wait for a person).</summary>
    [Id(5)] public TimeSpan? AutoApproveAfter { get; init; }
}
