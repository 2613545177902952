namespace BlueGreen.Orleans.Proxies;

/// <summary>What an agent said of itself when its stream opened (mapped from the agent's hello by the gateway).</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.AgentHello")]
public sealed record AgentHello
{
    [Id(0)] public required string AgentVersion { get; init; }

    /// <summary>The routes version the agent holds on its disk (0: none yet).</summary>
    [Id(1)] public long HeldVersion { get; init; }

    [Id(2)] public bool Converged { get; init; }

    [Id(3)] public int? HaProxyPid { get; init; }

    [Id(4)] public long? HaProxyUptimeSeconds { get; init; }

    [Id(5)] public string? HaProxyVersion { get; init; }

    [Id(6)] public DateTimeOffset? AgentStartedAt { get; init; }

    /// <summary>How often the agent reads every backend and reports (its <c>--tick</c>); a snapshot several ticks old is stale.</summary>
    [Id(7)] public TimeSpan? Tick { get; init; }
}
