using System.Collections.Concurrent;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>
/// One process runtime for the silo, one Docker runtime per allowed engine endpoint, one external runtime. The runtimes
/// themselves enforce the configuration too (allowed commands, the user, host networking), so a caller that skipped
/// <see cref="ResolveToStart"/> still cannot start what the configuration forbids.
/// </summary>
internal sealed class InstanceRuntimeProvider(IOptions<InstanceRuntimeOptions> options, ILoggerFactory loggers, TimeProvider time) : IInstanceRuntimeProvider, IDisposable
{
    private readonly ConcurrentDictionary<string, DockerInstanceRuntime> _docker = new(StringComparer.Ordinal);
    private readonly ExternalInstanceRuntime _external = new();
    private readonly Lazy<ProcessInstanceRuntime> _process = new(() => new ProcessInstanceRuntime(
        new ProcessRuntimeOptions
        {
            StateDirectory = options.Value.ProcessStateDirectory,
            AllowedCommands = options.Value.Process.Enabled ? [.. options.Value.Process.AllowedCommands ?? []] : [],
            RunAsUser = options.Value.Process.RunAsUser,
        },
        loggers.CreateLogger<ProcessInstanceRuntime>(),
        time));

    public IInstanceRuntime Resolve(ColourSpec colour) => colour.Runtime switch
    {
        // Stopping what runs stays possible when the runtime was disabled since: retiring must not leave it running.
        "process" => _process.Value,
        "docker" => Docker(colour.DockerEndpoint ?? options.Value.Docker.DefaultEndpoint),
        "external" => _external,
        _ => throw new BlueGreenException(ErrorCode.InvalidArgument, $"runtime '{colour.Runtime}' must be process, docker or external."),
    };

    public IInstanceRuntime ResolveToStart(string colourName, ColourSpec colour, IReadOnlyList<InstanceSpec> instances)
    {
        var errors = RuntimePolicy.Check(colourName, colour, options.Value).ToList();
        foreach (var command in instances.Select(i => i.Command).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            errors.AddRange(RuntimePolicy.Check(colourName, colour with { Command = command }, options.Value, filled: true));
        }

        return errors.Count > 0
            ? throw new BlueGreenException(ErrorCode.FailedPrecondition, string.Join(" ", errors.Distinct(StringComparer.Ordinal)))
            : Resolve(colour);
    }

    public void Dispose()
    {
        foreach (var docker in _docker.Values)
        {
            docker.Dispose();
        }

        if (_process.IsValueCreated)
        {
            _process.Value.Dispose();
        }
    }

    private DockerInstanceRuntime Docker(string endpoint)
    {
        if (!options.Value.Docker.IsAllowedEndpoint(endpoint))
        {
            // Not even to stop a container: the server talks to no engine its configuration does not name.
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"docker_endpoint: '{endpoint}' is not an engine this server may use ({DockerRuntimeSettings.Section}).");
        }

        var docker = options.Value.Docker;
        return _docker.GetOrAdd(endpoint, e => new DockerInstanceRuntime(
            new DockerRuntimeOptions { Endpoint = e, AllowHostNetwork = docker.AllowHostNetwork, Network = docker.Network },
            loggers.CreateLogger<DockerInstanceRuntime>()));
    }
}
