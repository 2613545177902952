using System.Collections.Concurrent;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>One process runtime for the silo, one Docker runtime per engine endpoint, one external runtime.</summary>
internal sealed class InstanceRuntimeProvider(IOptions<InstanceRuntimeOptions> options, ILoggerFactory loggers, TimeProvider time) : IInstanceRuntimeProvider, IDisposable
{
    private readonly ConcurrentDictionary<string, DockerInstanceRuntime> _docker = new(StringComparer.Ordinal);
    private readonly ExternalInstanceRuntime _external = new();
    private readonly Lazy<ProcessInstanceRuntime> _process = new(() => new ProcessInstanceRuntime(
        new ProcessRuntimeOptions { StateDirectory = options.Value.ProcessStateDirectory },
        loggers.CreateLogger<ProcessInstanceRuntime>(),
        time));

    public IInstanceRuntime Resolve(ColourSpec colour) => colour.Runtime switch
    {
        "process" => _process.Value,
        "docker" => _docker.GetOrAdd(colour.DockerEndpoint ?? options.Value.DefaultDockerEndpoint, endpoint =>
            new DockerInstanceRuntime(new DockerRuntimeOptions { Endpoint = endpoint }, loggers.CreateLogger<DockerInstanceRuntime>())),
        "external" => _external,
        _ => throw new BlueGreenException(ErrorCode.InvalidArgument, $"runtime '{colour.Runtime}' must be process, docker or external."),
    };

    public void Dispose()
    {
        foreach (var docker in _docker.Values)
        {
            (docker as IDisposable)?.Dispose();
        }
    }
}
