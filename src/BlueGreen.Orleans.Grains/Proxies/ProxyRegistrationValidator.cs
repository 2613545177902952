using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>Checks a proxy id and registration before anything is stored or sent.</summary>
public static class ProxyRegistrationValidator
{
    /// <summary>
    /// <see cref="Validate(string, ProxyRegistration)"/>, then, for a well-formed registration, where this server's
    /// configuration lets it point (<see cref="ProxyRegistrationPolicy"/>): what the grain checks before it stores one.
    /// </summary>
    public static IReadOnlyList<string> Validate(string id, ProxyRegistration registration, ProxyRegistrationOptions options) =>
        Validate(id, registration) is { Count: > 0 } errors ? errors : ProxyRegistrationPolicy.Check(registration, options);

    public static IReadOnlyList<string> Validate(string id, ProxyRegistration registration)
    {
        var errors = new List<string>();
        if (!FieldRules.ProxyId.IsValid(id))
        {
            errors.Add($"id: '{Truncate(id)}' must be {FieldRules.ProxyId.Description}.");
        }

        if (registration.Mode == ProxyMode.Agent)
        {
            // The agent owns the socket and the map file on its host: the server names neither, so it can write neither.
            if (registration.RuntimeApi.Length > 0 || registration.MapFile.Length > 0 || registration.MapFileWritePath is not null || registration.MasterApi is not null)
            {
                errors.Add("agent: a proxy in agent mode takes no runtime_api, map_file, map_file_write_path or master_api: its agent reaches HAProxy on its own host.");
            }

            CheckLabels(registration, errors);
            return errors;
        }

        if (!Enum.IsDefined(registration.Mode))
        {
            errors.Add("mode: must be direct or agent.");
        }

        if (!RuntimeEndpoint.TryParse(registration.RuntimeApi, out _, out var endpointError))
        {
            errors.Add($"runtime_api: {endpointError}");
        }

        if (registration.MasterApi is { } master)
        {
            if (!RuntimeEndpoint.TryParse(master, out var endpoint, out var masterError))
            {
                errors.Add($"master_api: {masterError}");
            }
            else if (endpoint.IsUnix && !RuntimeArguments.IsValidMap(endpoint.SocketPath))
            {
                errors.Add($"master_api: '{Truncate(master)}' must be unix:///path with a path of A-Z a-z 0-9 . _ / -, or tcp://host:port.");
            }
            else if (master == registration.RuntimeApi)
            {
                errors.Add("master_api: must not be the runtime_api: the master CLI is its own socket (haproxy -S).");
            }
        }

        if (!RuntimeArguments.IsValidMap(registration.MapFile) || registration.MapFile.StartsWith('#'))
        {
            errors.Add($"map_file: '{Truncate(registration.MapFile)}' must be an absolute path of A-Z a-z 0-9 . _ / -.");
        }

        if (registration.MapFileWritePath is { } write && (!RuntimeArguments.IsValidMap(write) || write.StartsWith('#')))
        {
            errors.Add($"map_file_write_path: '{Truncate(write)}' must be an absolute path of A-Z a-z 0-9 . _ / -.");
        }

        CheckLabels(registration, errors);
        return errors;
    }

    private static void CheckLabels(ProxyRegistration registration, List<string> errors)
    {
        foreach (var (key, value) in registration.Labels)
        {
            if (!RuntimeArguments.IsValidName(key) || value.Length > 256 || value.Any(char.IsControl))
            {
                errors.Add($"labels: '{Truncate(key)}' must be a name of A-Z a-z 0-9 . _ : / - with a value of at most 256 printable characters.");
            }
        }
    }

    private static string Truncate(string? value) => RuntimeArguments.Printable(value);
}
