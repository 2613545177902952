namespace BlueGreen.Orleans.Deployments;

[GenerateSerializer, Alias("bluegreen.DeploymentOutcome")]
public enum DeploymentOutcome
{
    Running = 0,
    Succeeded = 1,

    /// <summary>The target never became healthy, or failed verification: the fleet is back on the old colour.</summary>
    RolledBack = 2,

    /// <summary>A step failed (e.g. a proxy refused the switch); the fleet is back on the old colour.</summary>
    Failed = 3,

    Aborted = 4,
}
