using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>
/// What this server's configuration lets a colour start: the one place that decides, used when a spec is applied and
/// again before its instances start (a spec saved before the configuration was narrowed starts nothing it forbids).
/// </summary>
public static class RuntimePolicy
{
    /// <summary>Every reason the configuration refuses the colour, each naming its field (<paramref name="colour"/>.x); empty: allowed.</summary>
    /// <param name="filled">Placeholders are filled in (instances about to start): the command is compared whole.</param>
    public static IReadOnlyList<string> Check(string colour, ColourSpec spec, InstanceRuntimeOptions options, bool filled = false)
    {
        var errors = new List<string>();
        var process = options.Process;
        var docker = options.Docker;
        switch (spec.Runtime)
        {
            case "process" when !process.Enabled:
                errors.Add($"{colour}.runtime: the process runtime is not enabled on this server ({ProcessRuntimeSettings.Section}:Enabled).");
                break;
            case "process" when spec.Command is { } command:
                if (!command.StartsWith('/'))
                {
                    errors.Add($"{colour}.command: '{Printable(command)}' must be an absolute path, one of {ProcessRuntimeSettings.Section}:AllowedCommands.");
                }
                else if ((filled || !command.Contains('{', StringComparison.Ordinal)) && !process.IsAllowedCommand(command))
                {
                    // A command with placeholders ({version}...) is compared once they are filled, before its instances start.
                    errors.Add($"{colour}.command: '{Printable(command)}' is not one of {ProcessRuntimeSettings.Section}:AllowedCommands (absolute paths, compared exactly).");
                }

                break;
            case "docker" when !docker.Enabled:
                errors.Add($"{colour}.runtime: the docker runtime is not enabled on this server ({DockerRuntimeSettings.Section}:Enabled).");
                break;
            case "docker" when spec.HostNetwork && !docker.AllowHostNetwork:
                errors.Add($"{colour}.host_network: host networking is not allowed on this server ({DockerRuntimeSettings.Section}:AllowHostNetwork); without it the container's port is published on each instance's address.");
                break;
        }

        if (spec.DockerEndpoint is { } endpoint && !docker.IsAllowedEndpoint(endpoint))
        {
            errors.Add($"{colour}.docker_endpoint: '{Printable(endpoint)}' is neither {DockerRuntimeSettings.Section}:DefaultEndpoint nor one of its AllowedEndpoints (compared exactly).");
        }

        return errors;
    }

    // Paths and endpoints are long: shown whole up to a point, so the refusal says which one.
    private static string Printable(string value) => RuntimeArguments.Printable(value, 160);
}
