using System.Collections.Immutable;

namespace BlueGreen.Orleans.Services;

/// <summary>
/// How to run one colour. <see cref="Image"/>, <see cref="Command"/>, <see cref="Arguments"/> and <see cref="Environment"/>
/// values may hold <c>{version}</c>, <c>{colour}</c>, <c>{address}</c>, <c>{port}</c> and <c>{instance}</c>, filled in per
/// instance (<c>{address}</c> and <c>{port}</c>: where the program listens).
/// </summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ColourSpec")]
public sealed record ColourSpec
{
    /// <summary><c>process</c>, <c>docker</c> or <c>external</c>.</summary>
    [Id(0)] public string Runtime { get; init; } = "process";

    [Id(1)] public string? Image { get; init; }

    [Id(2)] public string? Command { get; init; }

    [Id(3)] public ImmutableList<string> Arguments { get; init; } = [];

    [Id(4)] public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The instances, one per HAProxy server of the colour's backend.</summary>
    [Id(5)] public ImmutableList<InstanceSlot> Instances { get; init; } = [];

    /// <summary>Docker engine of the app host (<c>unix:///var/run/docker.sock</c>, <c>tcp://host:2375</c>).</summary>
    [Id(6)] public string? DockerEndpoint { get; init; }

    /// <summary>
    /// Docker: share the host's network (where the server's configuration allows it). Default false: the container
    /// listens on its own network and its port is published on each instance's address and port.
    /// </summary>
    [Id(7)] public bool HostNetwork { get; init; }

    /// <summary>Docker without host networking: the port the program listens on inside the container (null: the instance's port).</summary>
    [Id(8)] public int? ContainerPort { get; init; }
}
