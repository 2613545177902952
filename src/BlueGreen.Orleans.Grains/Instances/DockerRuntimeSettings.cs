using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>
/// What the docker runtime may do on this server (<c>BlueGreen:Runtimes:Docker</c>): off unless enabled, only the
/// configured engines, and host networking only where allowed.
/// </summary>
public sealed class DockerRuntimeSettings
{
    public const string Section = "BlueGreen:Runtimes:Docker";

    /// <summary>Whether colours may use <c>runtime: docker</c> at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>The engine of a colour that names none; always allowed.</summary>
    public string DefaultEndpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>Other engines a colour's <c>docker_endpoint</c> may name, compared exactly.</summary>
    public string[]? AllowedEndpoints { get; set; }

    /// <summary>Whether a colour may ask for <c>host_network: true</c> (the container then shares the host's network).</summary>
    public bool AllowHostNetwork { get; set; }

    /// <summary>The network containers without host networking join (unset: the engine's default bridge).</summary>
    public string? Network { get; set; }

    public bool IsAllowedEndpoint(string endpoint) =>
        string.Equals(endpoint, DefaultEndpoint, StringComparison.Ordinal) || AllowedEndpoints?.Contains(endpoint, StringComparer.Ordinal) == true;

    public void Validate(List<string> errors)
    {
        foreach (var (key, endpoint) in (AllowedEndpoints ?? []).Select(e => ("AllowedEndpoints", e)).Prepend(("DefaultEndpoint", DefaultEndpoint)))
        {
            if (!RuntimeEndpoint.TryParse(endpoint, out _, out _))
            {
                errors.Add($"{Section}:{key}: '{RuntimeArguments.Printable(endpoint)}' must be unix:///path or tcp://host:port.");
            }
        }

        if (Network is not null && !RuntimeArguments.IsValidName(Network))
        {
            errors.Add($"{Section}:Network: '{RuntimeArguments.Printable(Network)}' must be a network name of A-Z a-z 0-9 . _ -.");
        }
    }
}
