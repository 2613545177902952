namespace BlueGreen.Orleans.Instances;

/// <summary>What to run for one instance of one colour.</summary>
public sealed record InstanceSpec
{
    /// <summary>Unique name, e.g. <c>web-green-0</c>: the container name, or the key of a local process.</summary>
    public required string Name { get; init; }

    /// <summary>Docker: the image to run (e.g. <c>bluegreen/echo:2</c>).</summary>
    public string? Image { get; init; }

    /// <summary>Process: the program to run. Docker: overrides the image's entrypoint when set.</summary>
    public string? Command { get; init; }

    /// <summary>Arguments of <see cref="Command"/> (Docker: the container's cmd).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The address HAProxy reaches the instance at (also where it should listen).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>The port HAProxy reaches the instance at.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Docker: use the host's network namespace (no port publishing), when the runtime allows it
    /// (<see cref="DockerRuntimeOptions.AllowHostNetwork"/>). Default false: the container's port is published on
    /// <see cref="Address"/>:<see cref="Port"/>.
    /// </summary>
    public bool HostNetwork { get; init; }

    /// <summary>Docker without host networking: the port inside the container published as <see cref="Port"/> (null: the same port).</summary>
    public int? ContainerPort { get; init; }
}
