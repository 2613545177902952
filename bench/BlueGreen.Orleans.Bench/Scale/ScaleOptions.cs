using BlueGreen.Orleans.HaProxy.Config;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>The size of the scale run and the settings that decide its cost.</summary>
internal sealed record ScaleOptions
{
    public int Services { get; init; } = 1000;

    public int Proxies { get; init; } = 20;

    public int Releases { get; init; } = 100;

    /// <summary>
    /// How many service applies the bench keeps in flight while registering. A proxy grain batches what arrives
    /// together (one state write and one map-file write per batch of saves, one pipelined <c>set map</c> write per batch
    /// of runtime routes, one map probe per batch of checks), so more in flight means fewer, larger batches: 600
    /// services × 20 proxies took 33.4 s with 64 in flight before the map file's read-back was cut, and the same with 8
    /// in flight before any batching; an apply then waits about 3 s (median) in the queue, far from Orleans' 30 s timeout.
    /// </summary>
    public int ApplyParallelism { get; init; } = 64;

    /// <summary>
    /// Health checks of every server on every proxy: 20 proxies × 2,000 servers = 40,000 checked servers, all served by
    /// two echo processes. Measured here, one haproxy with 2,000 servers at <c>inter 5s</c> (400 checks/s) costs the
    /// echo processes ~0.24 cores: 20 such proxies would need ~5 cores. <c>inter 30s</c> is ~1,300 checks/s.
    /// <c>rise 1 fall 1</c> on purpose: HAProxy spreads the first checks over the smallest interval a server starts
    /// with, which is <c>fastinter</c> unless health starts at its top (<c>rise + fall − 1 == rise</c>); with
    /// <c>rise 2</c> every proxy fired its 2,000 first checks within 250 ms and the echo processes timed them out. The
    /// release still waits for a fresh check: the orchestrator forces the target DOWN, so only the next scheduled
    /// check (at most <c>inter</c> later) brings it UP.
    /// </summary>
    public HealthCheck Check { get; init; } = new()
    {
        Interval = TimeSpan.FromSeconds(30),
        FastInterval = TimeSpan.FromSeconds(1),
        DownInterval = TimeSpan.FromSeconds(2),
        Rise = 1,
        Fall = 1,
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
