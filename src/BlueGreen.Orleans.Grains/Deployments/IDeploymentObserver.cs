using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// Told when a deployment step is about to run and when a deployment ends, on the service grain's scheduler; fault
/// tests use it to act at an exact step. Traces do not go through it (docs/architecture.md, "Observers").
/// </summary>
public interface IDeploymentObserver
{
    /// <param name="cancellationToken">Cancelled when an abort of the deployment is accepted while the step runs.</param>
    Task OnStepStartingAsync(DeploymentRecord deployment, CancellationToken cancellationToken);

    Task OnFinishedAsync(DeploymentRecord deployment);
}
