namespace BlueGreen.Orleans.Deployments;

[GenerateSerializer, Alias("bluegreen.DeploymentKind")]
public enum DeploymentKind
{
    Release = 0,
    Promote = 1,
    Rollback = 2,
}
