using System.Globalization;
using Docker.DotNet.Models;

namespace BlueGreen.Orleans.Instances;

/// <summary>Maps an <see cref="InstanceSpec"/> to Docker's create request; kept apart so it is testable without an engine.</summary>
internal static class DockerContainerParameters
{
    /// <param name="network">The network a container without host networking joins; null: the engine's default.</param>
    public static CreateContainerParameters Create(InstanceSpec spec, string? network = null)
    {
        var labels = new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal)
        {
            // Ours wins over a caller's label of the same key: it is how the orchestrator recognises its containers.
            [DockerInstanceRuntime.InstanceLabel] = spec.Name,
        };

        var host = new HostConfig
        {
            // docker-init as PID 1 forwards signals and reaps: a program that never installs a SIGTERM handler would
            // otherwise ignore SIGTERM as PID 1 and every stop would wait out the full timeout.
            Init = true,
        };

        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Entrypoint = string.IsNullOrEmpty(spec.Command) ? null : [spec.Command],
            // Null, not empty, keeps the image's CMD when no arguments are given.
            Cmd = spec.Arguments.Count == 0 ? null : [.. spec.Arguments],
            Env = [.. spec.Environment.Select(pair => $"{pair.Key}={pair.Value}")],
            Labels = labels,
            HostConfig = host,
        };

        if (spec.HostNetwork)
        {
            host.NetworkMode = "host";
        }
        else
        {
            host.NetworkMode = network;
            var containerPort = $"{(spec.ContainerPort ?? spec.Port).ToString(CultureInfo.InvariantCulture)}/tcp";
            parameters.ExposedPorts = new Dictionary<string, EmptyStruct>(StringComparer.Ordinal) { [containerPort] = default };
            host.PortBindings = new Dictionary<string, IList<PortBinding>>(StringComparer.Ordinal)
            {
                [containerPort] = [new PortBinding { HostIP = spec.Address, HostPort = spec.Port.ToString(CultureInfo.InvariantCulture) }],
            };
        }

        return parameters;
    }
}
