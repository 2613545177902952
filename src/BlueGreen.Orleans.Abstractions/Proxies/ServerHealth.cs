namespace BlueGreen.Orleans.Proxies;

/// <summary>One server of a backend as one proxy sees it.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ServerHealth")]
public sealed record ServerHealth(
    [property: Id(0)] string Server,
    [property: Id(1)] string Status,
    [property: Id(2)] string CheckStatus,
    [property: Id(3)] long Sessions,
    [property: Id(4)] long ConnectionsInUse,
    [property: Id(5)] long Http5xx,
    [property: Id(6)] long Responses)
{
    /// <summary>Connection attempts to the server that failed (<c>econ</c>): a counter, as <see cref="Http5xx"/>.</summary>
    [Id(7)] public long ConnectionErrors { get; init; }

    /// <summary>Responses that failed, the server closing or resetting the connection (<c>eresp</c>): a counter.</summary>
    [Id(8)] public long ResponseErrors { get; init; }

    /// <summary>HAProxy's average response time over the server's last 1,024 responses (<c>rtime</c>), ms.</summary>
    [Id(9)] public long ResponseTimeMs { get; init; }

    /// <summary>HAProxy's average total session time over the server's last 1,024 sessions (<c>ttime</c>), ms.</summary>
    [Id(10)] public long TotalTimeMs { get; init; }

    /// <summary>Status exactly "UP": "UP 1/2", "DRAIN", "MAINT" and "no check" are not healthy.</summary>
    public bool IsUp => string.Equals(Status, "UP", StringComparison.Ordinal);

    /// <summary>
    /// Not serving: "DOWN", "DOWN 1/2" (going up), "MAINT", "MAINT (via …)". "UP 1/2" (one failed check, going down)
    /// still takes traffic, so it is not down.
    /// </summary>
    public bool IsDown => Status.StartsWith("DOWN", StringComparison.Ordinal) || Status.StartsWith("MAINT", StringComparison.Ordinal);
}
