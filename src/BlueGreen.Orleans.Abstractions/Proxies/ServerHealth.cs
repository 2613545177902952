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
}
