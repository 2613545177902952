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
}
