using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// Told when a deployment step is about to run and when a deployment ends, on the service grain's scheduler; fault
/// tests use it to act at an exact step. Traces do not go through it (docs/architecture.md, "Observers").
/// </summary>
public interface IDeploymentObserver
{
    Task OnStepStartingAsync(DeploymentRecord deployment);

    Task OnFinishedAsync(DeploymentRecord deployment);
}
