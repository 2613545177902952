namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>A deployment held at the start of a step (<see cref="StepHooks.HoldAt"/>) until the test releases it.</summary>
internal sealed class StepGate
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the deployment reaches the step, before the step runs.</summary>
    public Task Reached => _reached.Task;

    public void Release() => _released.TrySetResult();

    /// <summary>Holds until released, or until the step is cut (an abort accepted while it runs).</summary>
    internal async Task HoldAsync(CancellationToken cancellationToken)
    {
        _reached.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);
    }
}
