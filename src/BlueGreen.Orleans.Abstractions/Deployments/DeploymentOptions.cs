using System.Collections.Immutable;

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

    /// <summary>
    /// A canary release's weights, in percent of live traffic sent to the target, in order (release --canary 10,50,100);
    /// empty: no canary. The last step, 100, is the switch itself.
    /// </summary>
    [Id(6)] public ImmutableList<int> Canary { get; init; } = [];

    /// <summary>With <see cref="Canary"/>: how long each weight is held and analysed before the next (null: the default).</summary>
    [Id(7)] public TimeSpan? CanaryStepInterval { get; init; }
}
