namespace BlueGreen.Orleans.Deployments;

/// <summary>One proxy's part in a deployment: what the CLI shows as one row.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ProxyProgress")]
public sealed record ProxyProgress
{
    [Id(0)] public required string ProxyId { get; init; }

    /// <summary>The target backend as this proxy last saw it, e.g. "UP 2/2" or "DOWN (L4CON)".</summary>
    [Id(1)] public string Health { get; init; } = "unknown";

    [Id(2)] public bool Healthy { get; init; }

    [Id(3)] public DateTimeOffset? SwitchedAt { get; init; }

    [Id(4)] public string? Error { get; init; }

    /// <summary>Sessions still open on the old colour, read after the switch.</summary>
    [Id(5)] public long? SessionsLeft { get; init; }
}
