namespace BlueGreen.Orleans.Instances;

/// <summary>
/// Instances run elsewhere (another team's deploy, a VM image, Kubernetes): the orchestrator starts and stops
/// nothing, and only gates on HAProxy's health checks, switches and drains.
/// </summary>
public sealed class ExternalInstanceRuntime : IInstanceRuntime
{
    public string Kind => "external";

    public Task<InstanceState> StartAsync(InstanceSpec spec, CancellationToken cancellationToken = default) =>
        Task.FromResult(new InstanceState(spec.Name, Running: true, Id: null, StartedAt: null, ExitCode: null));

    public Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task RemoveAsync(string name, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<InstanceState?> InspectAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult<InstanceState?>(new InstanceState(name, Running: true, Id: null, StartedAt: null, ExitCode: null));

    public Task<IReadOnlyList<string>> ReadOutputAsync(string name, int lines, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
