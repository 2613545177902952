namespace BlueGreen.Orleans.Instances;

public sealed record ProcessRuntimeOptions
{
    /// <summary>
    /// Where <c>&lt;name&gt;.pid</c> and <c>&lt;name&gt;.log</c> live. This folder is what lets a restarted orchestrator
    /// find the processes its predecessor started, so it must outlive the orchestrator process (not a temp folder).
    /// </summary>
    public required string StateDirectory { get; init; }

    /// <summary>
    /// How long a process gets between SIGTERM and SIGKILL when the runtime stops it on its own account: before
    /// recreating a name in <see cref="IInstanceRuntime.StartAsync"/> and in <see cref="IInstanceRuntime.RemoveAsync"/>.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
