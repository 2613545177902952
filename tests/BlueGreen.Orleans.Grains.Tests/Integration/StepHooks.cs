using System.Collections.Concurrent;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>Lets a test act at an exact step of a real deployment (e.g. kill a proxy just before the switch).</summary>
internal sealed class StepHooks : IDeploymentObserver
{
    private readonly ConcurrentDictionary<DeploymentStep, Func<DeploymentRecord, CancellationToken, Task>> _before = new();

    private int _inStep;
    private int _mostAtOnce;

    public ConcurrentQueue<(DeploymentStep Step, long Id)> Seen { get; } = new();

    /// <summary>
    /// The most steps started and not yet past their hook at one time, across every activation of the silo: 1 while one
    /// loop at a time drives a service, more when two activations' loops overlap.
    /// </summary>
    public int MostStepsAtOnce => Volatile.Read(ref _mostAtOnce);

    public void Before(DeploymentStep step, Func<DeploymentRecord, Task> action) => _before[step] = (d, _) => action(d);

    /// <summary>As <see cref="Before(DeploymentStep, Func{DeploymentRecord, Task})"/>, with the step's token (cancelled by an accepted abort).</summary>
    public void Before(DeploymentStep step, Func<DeploymentRecord, CancellationToken, Task> action) => _before[step] = action;

    /// <summary>Holds the deployment at the start of <paramref name="step"/> until the returned gate is released.</summary>
    public StepGate HoldAt(DeploymentStep step)
    {
        var gate = new StepGate();
        Before(step, (_, cancellationToken) => gate.HoldAsync(cancellationToken));
        return gate;
    }

    public async Task OnStepStartingAsync(DeploymentRecord deployment, CancellationToken cancellationToken)
    {
        Seen.Enqueue((deployment.Step, deployment.Id));
        var now = Interlocked.Increment(ref _inStep);
        for (var most = Volatile.Read(ref _mostAtOnce); now > most; most = Volatile.Read(ref _mostAtOnce))
        {
            Interlocked.CompareExchange(ref _mostAtOnce, now, most);
        }

        try
        {
            if (_before.TryRemove(deployment.Step, out var action))
            {
                await action(deployment, cancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inStep);
        }
    }

    public Task OnFinishedAsync(DeploymentRecord deployment) => Task.CompletedTask;
}
