namespace BlueGreen.Orleans.Grains.Services;

public sealed class DeploymentLoopOptions
{
    /// <summary>
    /// How stale a proxy's read of a backend may be when a step reads it (the proxy reads the backends that deployments
    /// wait on this often, and tells them when one changes); also the base of a failed step's retry delay (× 10).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest a waiting step sleeps when no proxy reports a change and no deadline is due (10 × <see cref="PollInterval"/>):
    /// it still notices what proxies do not report, such as an instance that exited while its servers were DOWN anyway.
    /// </summary>
    public TimeSpan WaitInterval => PollInterval * 10;

    /// <summary>
    /// How long after the switch the target must stay UP on every reachable proxy before the old colour is stopped
    /// (<see cref="Deployments.DeploymentEngine.DefaultConfirmWindow"/>: HAProxy's default check interval).
    /// </summary>
    public TimeSpan ConfirmWindow { get; set; } = Deployments.DeploymentEngine.DefaultConfirmWindow;

    /// <summary>How many finished deployments a service keeps.</summary>
    public int HistoryLimit { get; set; } = 50;
}
