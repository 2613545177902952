using BlueGreen.Orleans.HaProxy.Config;

namespace BlueGreen.Orleans.Harness;

/// <summary>Health-check settings for tests: a new instance is seen UP in about 0.2 s, a dead one DOWN at once.</summary>
public static class TestChecks
{
    public static readonly HealthCheck Fast = new()
    {
        Interval = TimeSpan.FromMilliseconds(200),
        FastInterval = TimeSpan.FromMilliseconds(100),
        DownInterval = TimeSpan.FromMilliseconds(100),
        Rise = 2,
        Fall = 1,
    };
}
