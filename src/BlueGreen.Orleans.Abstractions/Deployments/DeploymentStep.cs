namespace BlueGreen.Orleans.Deployments;

/// <summary>The steps of the deployment state machine, in order; <see cref="Revert"/> undoes a switch.</summary>
[GenerateSerializer, Alias("bluegreen.DeploymentStep")]
public enum DeploymentStep
{
    Provision = 0,
    AwaitHealthy = 1,
    Switch = 2,
    Verify = 3,
    Drain = 4,
    Retire = 5,
    Revert = 6,
    Done = 7,

    /// <summary>
    /// A release with <c>--hold</c> waits here after <see cref="AwaitHealthy"/>, the target previewable and live traffic
    /// untouched, until it is approved (then <see cref="Switch"/>), aborted, or its auto-approve time passes. Appended
    /// with a value of its own: the values are persisted.
    /// </summary>
    Held = 8,

    /// <summary>
    /// A canary release (release --canary) sends a share of live traffic to the target, step by step, each step held for
    /// its interval while the analysis watches the target; after the last step (or an approval) it goes to
    /// <see cref="Switch"/>, on a breach or an abort it goes back (<see cref="Revert"/>). Appended: the values are persisted.
    /// </summary>
    Canary = 9,
}
