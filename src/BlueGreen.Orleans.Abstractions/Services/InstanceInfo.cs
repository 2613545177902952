namespace BlueGreen.Orleans.Services;

/// <summary>One instance of one colour of a service, as its runtime reported it.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.InstanceInfo")]
public sealed record InstanceInfo
{
    [Id(0)] public required string Service { get; init; }

    [Id(1)] public required Colour Colour { get; init; }

    /// <summary>The version the colour runs, or is being deployed with; null when none is known.</summary>
    [Id(2)] public string? Version { get; init; }

    /// <summary>The HAProxy server name of the instance slot.</summary>
    [Id(3)] public required string Server { get; init; }

    /// <summary>The instance's name in its runtime.</summary>
    [Id(4)] public required string Name { get; init; }

    /// <summary>process or docker.</summary>
    [Id(5)] public required string Runtime { get; init; }

    /// <summary>The process id or the container id.</summary>
    [Id(6)] public string? Id { get; init; }

    [Id(7)] public bool Running { get; init; }

    [Id(8)] public DateTimeOffset? StartedAt { get; init; }

    [Id(9)] public long? ExitCode { get; init; }

    [Id(10)] public required string Address { get; init; }

    [Id(11)] public int Port { get; init; }
}
