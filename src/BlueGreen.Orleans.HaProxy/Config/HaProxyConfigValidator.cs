using System.Net;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>Checks a <see cref="HaProxyConfig"/> and returns every problem found (empty when valid).</summary>
public static partial class HaProxyConfigValidator
{
    /// <summary>Service names: lower-case, start with a letter or digit, at most 63 characters.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    [GeneratedRegex("^/[A-Za-z0-9._/-]{0,200}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CheckPath();

    /// <summary>A unix user or group name as useradd/groupadd take it (Debian's NAME_REGEX, at most 32 characters).</summary>
    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex GroupName();

    /// <summary>True for a unix group name as useradd/groupadd take it (<see cref="GroupName"/>).</summary>
    public static bool IsGroupName(string group) => GroupName().IsMatch(group);

    /// <summary>A refused value as quoted in a problem: short, no control characters.</summary>
    private static string P(string? value) => RuntimeArguments.Printable(value);

    public static bool IsValidServiceName(string? name) => name is not null && ServiceName().IsMatch(name);

    public static IReadOnlyList<string> Validate(HaProxyConfig config)
    {
        var errors = new List<string>();
        CheckGlobal(errors, config);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in config.Services)
        {
            CheckService(errors, service, seen);
        }

        return errors;
    }

    /// <summary>The process: its name, listeners, sockets, map file, connection limit and timeouts.</summary>
    private static void CheckGlobal(List<string> errors, HaProxyConfig config)
    {
        if (!RuntimeArguments.IsValidName(config.Name))
        {
            errors.Add($"Name '{P(config.Name)}' must be 1-128 characters of A-Z a-z 0-9 . _ : / -.");
        }

        CheckListen(errors, "Frontend", config.Frontend);
        if (config.StatsPage is { } stats)
        {
            CheckListen(errors, "StatsPage", stats);
        }

        CheckSocket(errors, "RuntimeApi", config.RuntimeApi);
        if (config.RuntimeApiGroup is { } group)
        {
            if (!GroupName().IsMatch(group))
            {
                errors.Add($"RuntimeApiGroup '{P(group)}' must be a group name: 1-32 characters of a-z 0-9 _ -, starting with a-z or _.");
            }
            else if (RuntimeEndpoint.TryParse(config.RuntimeApi, out var endpoint, out _) && !endpoint.IsUnix)
            {
                errors.Add($"RuntimeApiGroup '{group}': a group can be given only to a unix socket, not to '{P(config.RuntimeApi)}'.");
            }
        }

        foreach (var (field, account) in new[] { ("User", config.User), ("Group", config.Group) })
        {
            if (account is not null && !GroupName().IsMatch(account))
            {
                errors.Add($"{field} '{P(account)}' must be a {field.ToLowerInvariant()} name: 1-32 characters of a-z 0-9 _ -, starting with a-z or _.");
            }
        }

        if (config.MasterApi is { } master)
        {
            CheckSocket(errors, "MasterApi", master);
            if (master == config.RuntimeApi)
            {
                errors.Add($"MasterApi '{P(master)}': the master CLI needs its own socket, not the Runtime API's.");
            }
        }

        if (config.Chroot is { } jail && (!jail.StartsWith('/') || !RuntimeArguments.IsValidMap(jail) || jail.Split('/').Any(part => part is "." or "..")))
        {
            errors.Add($"Chroot '{P(jail)}' must be an absolute path of A-Z a-z 0-9 . _ / - without . or .. parts.");
        }

        if (!RuntimeArguments.IsValidMap(config.MapFile) || config.MapFile.StartsWith('#'))
        {
            errors.Add($"MapFile '{P(config.MapFile)}' must be an absolute path of A-Z a-z 0-9 . _ / -.");
        }

        if (config.MaxConnections is < 1 or > 1_000_000)
        {
            errors.Add($"MaxConnections {config.MaxConnections} must be between 1 and 1000000.");
        }

        CheckDuration(errors, "ConnectTimeout", config.ConnectTimeout);
        CheckDuration(errors, "ClientTimeout", config.ClientTimeout);
        CheckDuration(errors, "ServerTimeout", config.ServerTimeout);
    }

    /// <summary>One service: a unique valid name, the servers of both backends, the health check.</summary>
    private static void CheckService(List<string> errors, ServiceBackends service, HashSet<string> seen)
    {
        var where = $"Services[{P(service.Name)}]";
        if (!IsValidServiceName(service.Name))
        {
            errors.Add($"{where}: the name must be 1-63 characters of a-z 0-9 -, starting with a letter or digit.");
        }
        else if (!seen.Add(service.Name))
        {
            errors.Add($"{where}: the service is listed twice.");
        }

        foreach (var colour in Enum.GetValues<Colour>())
        {
            CheckServers(errors, $"{where}.{colour}", service.ServersOf(colour));
        }

        CheckHealth(errors, $"{where}.Check", service.Check);
    }

    /// <summary>One backend's servers: valid names, each once, at an IP address and a port.</summary>
    private static void CheckServers(List<string> errors, string where, IReadOnlyList<BackendServer> servers)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            var at = $"{where}[{P(server.Name)}]";
            if (!RuntimeArguments.IsValidName(server.Name) || server.Name.Contains('/', StringComparison.Ordinal))
            {
                errors.Add($"{at}: the server name must be 1-128 characters of A-Z a-z 0-9 . _ : -.");
            }
            else if (!names.Add(server.Name))
            {
                errors.Add($"{at}: the server name is used twice in this backend.");
            }

            CheckListen(errors, at, new ListenAddress(server.Address, server.Port));
        }
    }

    private static void CheckHealth(List<string> errors, string where, HealthCheck check)
    {
        if (!CheckPath().IsMatch(check.Path))
        {
            errors.Add($"{where}.Path '{P(check.Path)}' must start with / and hold only A-Z a-z 0-9 . _ / -.");
        }

        CheckDuration(errors, $"{where}.Interval", check.Interval);
        CheckDuration(errors, $"{where}.FastInterval", check.FastInterval);
        CheckDuration(errors, $"{where}.DownInterval", check.DownInterval);
        CheckDuration(errors, $"{where}.Timeout", check.Timeout);
        if (check.Rise is < 1 or > 100)
        {
            errors.Add($"{where}.Rise {check.Rise} must be between 1 and 100.");
        }

        if (check.Fall is < 1 or > 100)
        {
            errors.Add($"{where}.Fall {check.Fall} must be between 1 and 100.");
        }
    }

    private static void CheckSocket(List<string> errors, string where, string value)
    {
        if (!RuntimeEndpoint.TryParse(value, out var endpoint, out var endpointError))
        {
            errors.Add($"{where}: {endpointError}");
        }
        else if (!endpoint.IsUnix && !IPAddress.TryParse(endpoint.Host, out _))
        {
            errors.Add($"{where} '{P(value)}': HAProxy binds an IP address, not a host name.");
        }
        else if (endpoint.IsUnix && !RuntimeArguments.IsValidMap(endpoint.SocketPath))
        {
            errors.Add($"{where} '{P(value)}': the socket path has characters outside A-Z a-z 0-9 . _ / -.");
        }
    }

    private static void CheckListen(List<string> errors, string where, ListenAddress listen)
    {
        if (!IPAddress.TryParse(listen.Address, out _))
        {
            errors.Add($"{where}: '{P(listen.Address)}' is not an IP address.");
        }

        if (listen.Port is < 1 or > 65535)
        {
            errors.Add($"{where}: port {listen.Port} must be between 1 and 65535.");
        }
    }

    private static void CheckDuration(List<string> errors, string where, TimeSpan value)
    {
        if (value < TimeSpan.FromMilliseconds(1) || value > TimeSpan.FromHours(24))
        {
            errors.Add($"{where} {value} must be between 1 ms and 24 h.");
        }
    }
}
