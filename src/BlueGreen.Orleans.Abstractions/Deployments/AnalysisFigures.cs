namespace BlueGreen.Orleans.Deployments;

/// <summary>
/// What the verify step's analysis last saw of the target colour since the window opened: on one proxy, or over the
/// fleet (<see cref="ProxyId"/> null). Counts are deltas since the proxy's baseline; the times are HAProxy's averages
/// over each server's last 1,024 responses (<c>rtime</c>, <c>ttime</c>), weighted by responses, and only once all of
/// those came after the baseline.
/// </summary>
[GenerateSerializer, Immutable, Alias("bluegreen.AnalysisFigures")]
public sealed record AnalysisFigures
{
    /// <summary>The proxy, or null for the fleet's figures.</summary>
    [Id(0)] public string? ProxyId { get; init; }

    [Id(1)] public DateTimeOffset At { get; init; }

    [Id(2)] public long Responses { get; init; }

    [Id(3)] public long Http5xx { get; init; }

    /// <summary>Connection and response errors (<c>econ</c> + <c>eresp</c>).</summary>
    [Id(4)] public long ServerErrors { get; init; }

    /// <summary>
    /// Average response time, ms; null while HAProxy's average still holds responses from before the window (a colour
    /// that served before: until each server answered 1,024 times since).
    /// </summary>
    [Id(5)] public double? ResponseTimeMs { get; init; }

    /// <summary>Average total time, ms; null when <see cref="ResponseTimeMs"/> is.</summary>
    [Id(6)] public double? TotalTimeMs { get; init; }

    public double ErrorRatio => Responses == 0 ? 0 : (double)Http5xx / Responses;

    public double ServerErrorRatio => Responses + ServerErrors == 0 ? 0 : (double)ServerErrors / (Responses + ServerErrors);
}
