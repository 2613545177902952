using System.Net;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>
/// Checks a service spec and returns every problem, each naming its field. Names, ids, versions, route keys and
/// durations follow <see cref="FieldRules"/>, the rules the CLI and the gateway apply too.
/// </summary>
public static partial class ServiceSpecValidator
{
    /// <summary>Docker image references: registry/name:tag or @digest, with {version} allowed.</summary>
    [GeneratedRegex(@"^[a-z0-9][a-z0-9._/:@{}-]{0,254}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Image();

    public static bool IsValidServiceName(string? name) => FieldRules.ServiceName.IsValid(name);

    public static bool IsValidVersion(string? version) => FieldRules.Version.IsValid(version);

    /// <summary>
    /// <see cref="Validate(ServiceSpec)"/>, then what this server's configuration allows each colour to start
    /// (<see cref="RuntimePolicy"/>): what the grain checks before it saves a spec.
    /// </summary>
    public static IReadOnlyList<string> Validate(ServiceSpec spec, InstanceRuntimeOptions runtimes) =>
        [.. Validate(spec), .. RuntimePolicy.Check("blue", spec.Blue, runtimes), .. RuntimePolicy.Check("green", spec.Green, runtimes)];

    public static IReadOnlyList<string> Validate(ServiceSpec spec)
    {
        var errors = new List<string>();
        if (!FieldRules.ServiceName.IsValid(spec.Name))
        {
            errors.Add($"name: must be {FieldRules.ServiceName.Description}.");
        }

        if (!FieldRules.RouteKey.IsValid(spec.RouteKey))
        {
            errors.Add($"route_key: must be {FieldRules.RouteKey.Description}.");
        }

        if (spec.Proxies.Count == 0)
        {
            errors.Add("proxies: at least one proxy is required.");
        }

        if (spec.Proxies.Distinct(StringComparer.Ordinal).Count() != spec.Proxies.Count)
        {
            errors.Add("proxies: a proxy is listed twice.");
        }

        // The registration's rule: an id with '/' could be listed here but never registered.
        foreach (var proxy in spec.Proxies.Where(p => !FieldRules.ProxyId.IsValid(p)))
        {
            errors.Add($"proxies: '{Truncate(proxy)}' is not a valid proxy id: it must be {FieldRules.ProxyId.Description}.");
        }

        ValidateColour(errors, "blue", spec.Blue);
        ValidateColour(errors, "green", spec.Green);
        Duration(errors, "health_timeout", spec.HealthTimeout, FieldRules.HealthTimeout);
        Duration(errors, "drain_timeout", spec.DrainTimeout, FieldRules.DrainTimeout);
        Duration(errors, "keep_warm", spec.KeepWarm, FieldRules.KeepWarm);
        Duration(errors, "verify_window", spec.VerifyWindow, FieldRules.VerifyWindow);
        Duration(errors, "stop_timeout", spec.StopTimeout, FieldRules.StopTimeout);
        if (spec.LiveVersion is not null && !FieldRules.Version.IsValid(spec.LiveVersion))
        {
            errors.Add($"live_version: must be {FieldRules.Version.Description}.");
        }

        if (double.IsNaN(spec.MaxErrorRatio) || spec.MaxErrorRatio is < 0 or > 1)
        {
            errors.Add("max_error_ratio: must be between 0 and 1.");
        }

        if (double.IsNaN(spec.MaxServerErrorRatio) || spec.MaxServerErrorRatio is < 0 or > 1)
        {
            errors.Add("max_server_error_ratio: must be between 0 and 1.");
        }

        Duration(errors, "max_response_time", spec.MaxResponseTime, FieldRules.MaxResponseTime);

        ValidateHooks(errors, spec);
        return errors;
    }

    private static void ValidateHooks(List<string> errors, ServiceSpec spec)
    {
        if (spec.Hooks.Count > HookRules.MaxHooks)
        {
            errors.Add($"hooks: at most {HookRules.MaxHooks}.");
        }

        for (var i = 0; i < spec.Hooks.Count && i < HookRules.MaxHooks; i++)
        {
            var hook = spec.Hooks[i];
            errors.AddRange(HookRules.Problems($"hooks[{i}]", hook.Event, hook.Url, hook.Timeout, hook.Retries));
        }

        if (spec.HookSecret is { } secret && !HookRules.SecretName.IsValid(secret))
        {
            errors.Add($"hook_secret: must be {HookRules.SecretName.Description}.");
        }
        else if (spec.HookSecret is null && spec.Hooks.Count > 0)
        {
            errors.Add("hook_secret: required with hooks (the name of a file in the server's hook secrets folder).");
        }
    }

    public static void Duration(List<string> errors, string field, TimeSpan value, DurationRule rule)
    {
        if (!rule.IsValid(value))
        {
            errors.Add($"{field}: {value} must be {rule.Description}.");
        }
    }

    private static void ValidateColour(List<string> errors, string colour, ColourSpec spec)
    {
        switch (spec.Runtime)
        {
            case "docker" when spec.Image is null || !Image().IsMatch(spec.Image):
                errors.Add($"{colour}.image: a docker colour needs an image such as registry/name:{{version}}.");
                break;
            case "process" when string.IsNullOrWhiteSpace(spec.Command) || spec.Command.Any(char.IsControl):
                errors.Add($"{colour}.command: a process colour needs a command.");
                break;
            case "docker" or "process" or "external":
                break;
            default:
                errors.Add($"{colour}.runtime: '{Truncate(spec.Runtime)}' must be process, docker or external.");
                break;
        }

        // An image is stored and shown whatever the runtime: a process colour's image must be as clean as a docker one's.
        if (spec.Runtime != "docker" && spec.Image is not null && !Image().IsMatch(spec.Image))
        {
            errors.Add($"{colour}.image: '{Truncate(spec.Image)}' is not an image reference such as registry/name:{{version}}.");
        }

        if (spec.Instances.Count == 0)
        {
            errors.Add($"{colour}.instances: at least one instance is required.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slot in spec.Instances)
        {
            // With the service and colour it names the instance: the rule keeps that name within the runtimes' own.
            if (!FieldRules.ServerName.IsValid(slot.Server))
            {
                errors.Add($"{colour}.instances: server '{Truncate(slot.Server)}' must be {FieldRules.ServerName.Description}.");
            }
            else if (!names.Add(slot.Server))
            {
                errors.Add($"{colour}.instances: server '{slot.Server}' is listed twice.");
            }

            if (!IPAddress.TryParse(slot.Address, out _))
            {
                errors.Add($"{colour}.instances: '{Truncate(slot.Address)}' is not an IP address.");
            }

            if (slot.Port is < 1 or > 65535)
            {
                errors.Add($"{colour}.instances: port {slot.Port} must be between 1 and 65535.");
            }
        }

        if (spec.Arguments.Any(a => a.Any(char.IsControl)) || spec.Environment.Any(e => e.Key.Length == 0 || e.Key.Contains('=', StringComparison.Ordinal) || (e.Key + e.Value).Any(char.IsControl)))
        {
            errors.Add($"{colour}: arguments and environment must not hold control characters; environment names must not hold '='.");
        }

        if (spec.HostNetwork && spec.Runtime != "docker")
        {
            errors.Add($"{colour}.host_network: only a docker colour has a network of its own to leave.");
        }

        if (spec.ContainerPort is { } containerPort)
        {
            if (containerPort is < 1 or > 65535)
            {
                errors.Add($"{colour}.container_port: {containerPort} must be between 1 and 65535.");
            }
            else if (spec.Runtime != "docker" || spec.HostNetwork)
            {
                errors.Add($"{colour}.container_port: only a docker colour without host_network has a port to publish.");
            }
        }

        if (spec.DockerEndpoint is { } endpoint && !RuntimeEndpoint.TryParse(endpoint, out _, out _))
        {
            errors.Add($"{colour}.docker_endpoint: use unix:///path or tcp://host:port.");
        }
    }

    private static string Truncate(string? value) => RuntimeArguments.Printable(value);
}
