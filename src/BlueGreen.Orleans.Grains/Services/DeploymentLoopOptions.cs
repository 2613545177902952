namespace BlueGreen.Orleans.Grains.Services;

public sealed class DeploymentLoopOptions
{
    /// <summary>How often a waiting step (health, verify, drain) polls the proxies.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long after the switch the target must stay UP on every reachable proxy before the old colour is stopped
    /// (<see cref="Deployments.DeploymentEngine.DefaultConfirmWindow"/>: HAProxy's default check interval).
    /// </summary>
    public TimeSpan ConfirmWindow { get; set; } = Deployments.DeploymentEngine.DefaultConfirmWindow;

    /// <summary>How many finished deployments a service keeps.</summary>
    public int HistoryLimit { get; set; } = 50;
}
