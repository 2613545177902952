using BlueGreen.Orleans.HaProxy.Config;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>The size of the scale run and the settings that decide its cost.</summary>
internal sealed record ScaleOptions
{
    public int Services { get; init; } = 1000;

    public int Proxies { get; init; } = 20;

    public int Releases { get; init; } = 100;

    /// <summary>How many service applies the bench keeps in flight while registering.</summary>
    public int ApplyParallelism { get; init; } = 32;

    /// <summary>
    /// Health checks of every server on every proxy. 20 proxies × 2,000 servers = 40,000 checked servers: at the
    /// default 1 s that is 40,000 HTTP checks a second, which two cores cannot serve. <c>inter</c> is slow here; a
    /// released colour still comes UP quickly because the orchestrator forces it DOWN and <c>fastinter</c> then
    /// paces the rise.
    /// </summary>
    public HealthCheck Check { get; init; } = new()
    {
        Interval = TimeSpan.FromSeconds(5),
        FastInterval = TimeSpan.FromMilliseconds(250),
        DownInterval = TimeSpan.FromSeconds(1),
        Rise = 2,
        Fall = 2,
    };

    /// <summary>The product's default proxy monitor interval.</summary>
    public TimeSpan MonitorInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The product's default deployment poll interval.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long every release may take, start to end, before the bench gives up on it.</summary>
    public TimeSpan ReleaseTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Services is < 1 or > 9999)
        {
            errors.Add("--services must be between 1 and 9999.");
        }

        if (Proxies is < 1 or > 200)
        {
            errors.Add("--proxies must be between 1 and 200 (one 127.0.0.x each).");
        }

        if (Releases < 1 || Releases > Services)
        {
            errors.Add("--releases must be between 1 and --services.");
        }

        if (ApplyParallelism < 1)
        {
            errors.Add("--apply-parallelism must be at least 1.");
        }

        return errors;
    }
}
