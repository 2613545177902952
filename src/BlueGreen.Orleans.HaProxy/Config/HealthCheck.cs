namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>
/// HTTP health-check settings of a service's backends. They decide release speed: the recipe's <c>inter 2s rise 2</c>
/// needs about 3 s to see a new colour UP; the defaults here (down-interval 200 ms, fast-interval 100 ms, rise 2)
/// about 0.3 s, while still asking for two passing checks in a row.
/// </summary>
public sealed record HealthCheck
{
    public string Path { get; init; } = "/healthz";

    /// <summary><c>inter</c>: the interval while a server is fully UP or DOWN.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>fastinter</c>: the interval while a server is changing state (e.g. DOWN 1/2 → UP).</summary>
    public TimeSpan FastInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary><c>downinter</c>: the interval while a server is DOWN, so a new instance is seen quickly.</summary>
    public TimeSpan DownInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// <c>timeout check</c>: how long a check waits for the answer once connected (HAProxy then connects within the
    /// smaller of <c>timeout connect</c> and <c>inter</c>). Without it HAProxy gives the whole check <c>inter</c>, so a
    /// short interval also made a short timeout: a busy or just-started instance answering a little slower than one
    /// interval was marked down. A hung instance still fails its check after this long.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>rise</c>: passing checks in a row to go UP.</summary>
    public int Rise { get; init; } = 2;

    /// <summary><c>fall</c>: failing checks in a row to go DOWN.</summary>
    public int Fall { get; init; } = 2;
}
