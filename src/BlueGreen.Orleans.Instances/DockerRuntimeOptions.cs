namespace BlueGreen.Orleans.Instances;

public sealed record DockerRuntimeOptions
{
    /// <summary>The engine's API endpoint: <c>unix:///var/run/docker.sock</c> or <c>tcp://127.0.0.1:2375</c>.</summary>
    public string Endpoint { get; init; } = "unix:///var/run/docker.sock";

    /// <summary>
    /// How long a container gets between SIGTERM and SIGKILL when the runtime stops it on its own account: before
    /// recreating a name in <see cref="IInstanceRuntime.StartAsync"/> and in <see cref="IInstanceRuntime.RemoveAsync"/>.
    /// Docker counts whole seconds, so this is rounded up.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a container may share the host's network namespace (<see cref="InstanceSpec.HostNetwork"/>): it can then
    /// bind any port of the host and reach every service on its loopback (HAProxy's Runtime API, Redis). Off unless set.
    /// </summary>
    public bool AllowHostNetwork { get; init; }

    /// <summary>The network a container without host networking joins (null: the engine's default bridge).</summary>
    public string? Network { get; init; }
}
