using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// Told when a deployment step is about to run and when a deployment ends: the hook for telemetry (a span per step)
/// and for fault-injection tests (kill a proxy exactly at the switch). Runs on the service grain's scheduler.
/// </summary>
public interface IDeploymentObserver
{
    Task OnStepStartingAsync(DeploymentRecord deployment);

    Task OnFinishedAsync(DeploymentRecord deployment);
}
