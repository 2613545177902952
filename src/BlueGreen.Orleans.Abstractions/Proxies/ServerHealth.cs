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
    /// <summary>Status exactly "UP": "UP 1/2", "DRAIN", "MAINT" and "no check" are not healthy.</summary>
    public bool IsUp => string.Equals(Status, "UP", StringComparison.Ordinal);

    /// <summary>
    /// Not serving: "DOWN", "DOWN 1/2" (going up), "MAINT", "MAINT (via …)". "UP 1/2" (one failed check, going down)
    /// still takes traffic, so it is not down.
    /// </summary>
    public bool IsDown => Status.StartsWith("DOWN", StringComparison.Ordinal) || Status.StartsWith("MAINT", StringComparison.Ordinal);
}
