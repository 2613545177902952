namespace BlueGreen.Orleans.Grains.Services;

public sealed class DeploymentLoopOptions
{
    /// <summary>How often a waiting step (health, verify, drain) polls the proxies.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many finished deployments a service keeps.</summary>
    public int HistoryLimit { get; set; } = 50;
}
