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

    /// <summary>
    /// The programs instances may run: absolute paths, compared exactly with the instance's command. Null lets any
    /// program run (the caller decides; the server always sets a list); relative commands are then looked up in the
    /// instance's PATH.
    /// </summary>
    public IReadOnlyCollection<string>? AllowedCommands { get; init; }

    /// <summary>
    /// The user instances run as when the runtime runs as root: its uid and primary group, no supplementary groups, no
    /// new privileges (setpriv). Null: the runtime's own user. A runtime that is not root cannot switch users, and
    /// its instances run as itself whatever this says.
    /// </summary>
    public string? RunAsUser { get; init; }
}
