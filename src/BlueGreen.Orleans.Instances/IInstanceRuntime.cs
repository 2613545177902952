namespace BlueGreen.Orleans.Instances;

/// <summary>
/// Starts and stops the instances of a colour. Instances are found again by name, so an orchestrator that crashed
/// and restarted can still inspect, stop and remove what it started before.
/// </summary>
public interface IInstanceRuntime
{
    /// <summary>"docker", "process" or "external".</summary>
    string Kind { get; }

    /// <summary>
    /// Creates or recreates the instance named <see cref="InstanceSpec.Name"/> and starts it: an existing instance of
    /// that name is stopped and removed first. Returns once the runtime reports it running (not yet healthy:
    /// health is HAProxy's to judge).
    /// </summary>
    Task<InstanceState> StartAsync(InstanceSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Stops the instance (SIGTERM, then SIGKILL after <paramref name="timeout"/>). No error when absent.</summary>
    Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Stops if needed and removes every trace of the instance. No error when absent.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The instance's state, or null when no instance of that name exists.</summary>
    Task<InstanceState?> InspectAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// The last lines (at most <paramref name="lines"/>) the instance wrote to stdout and stderr, also after it exited
    /// or was removed when the runtime keeps its output (the process runtime does): why an instance died. Empty when
    /// nothing is known.
    /// </summary>
    Task<IReadOnlyList<string>> ReadOutputAsync(string name, int lines, CancellationToken cancellationToken = default);
}
