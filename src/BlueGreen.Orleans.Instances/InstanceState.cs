namespace BlueGreen.Orleans.Instances;

/// <summary>What a runtime knows of one instance.</summary>
/// <param name="Name">The instance name.</param>
/// <param name="Running">True while the container or process runs.</param>
/// <param name="Id">The container id or the process id, as text.</param>
/// <param name="StartedAt">When it was last started, if known.</param>
/// <param name="ExitCode">The exit code once it has stopped, if known.</param>
public sealed record InstanceState(string Name, bool Running, string? Id, DateTimeOffset? StartedAt, long? ExitCode);
