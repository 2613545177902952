using System.Net;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Where this server's configuration lets a proxy registration point it: the one place that decides, checked when a
/// proxy is registered and again when its grain activates (a registration stored before the configuration was
/// narrowed is not used).
/// </summary>
public static class ProxyRegistrationPolicy
{
    /// <summary>Every reason the configuration refuses the registration, each naming its field; empty: allowed.</summary>
    public static IReadOnlyList<string> Check(ProxyRegistration registration, ProxyRegistrationOptions options)
    {
        var errors = new List<string>();
        if (registration.Mode == ProxyMode.Agent)
        {
            // Nothing on this server's side to allow: the server connects to no socket and writes no file for it.
            return errors;
        }

        // Both sockets the server connects to: the Runtime API and, when registered, the master CLI.
        CheckEndpoint(errors, "runtime_api", registration.RuntimeApi, options);
        if (registration.MasterApi is { } master)
        {
            CheckEndpoint(errors, "master_api", master, options);
        }

        // The path written is the write path when there is one, else the map file itself.
        var (field, path) = registration.MapFileWritePath is { } write ? ("map_file_write_path", write) : ("map_file", registration.MapFile);
        if (path.StartsWith('/') && !RealPath.IsUnder(path, options.MapsRoot))
        {
            errors.Add($"{field}: '{Printable(path)}' is not allowed: the map file this server writes must lie (symlinks followed) in {ProxyRegistrationOptions.Section}:MapsRoot ({options.MapsRoot}).");
        }

        return errors;
    }

    private static void CheckEndpoint(List<string> errors, string field, string value, ProxyRegistrationOptions options)
    {
        if (!RuntimeEndpoint.TryParse(value, out var endpoint, out _))
        {
            return;
        }

        if (endpoint.SocketPath is { } socket)
        {
            if (!options.SocketDirectories.Any(folder => RealPath.IsUnder(socket, folder)))
            {
                errors.Add($"{field}: '{Printable(value)}' is not allowed: a unix socket must lie (symlinks followed) in one of {ProxyRegistrationOptions.Section}:RuntimeApiSocketDirectories ({string.Join(", ", options.SocketDirectories)}).");
            }
        }
        else if (!IsAllowedHost(endpoint.Host!, options))
        {
            errors.Add($"{field}: '{Printable(value)}' is not allowed: a tcp endpoint must name an address in {ProxyRegistrationOptions.Section}:RuntimeApiNetworks ({string.Join(", ", options.Networks)}) or a host in RuntimeApiHosts.");
        }
    }

    private static bool IsAllowedHost(string host, ProxyRegistrationOptions options)
    {
        if (!IPAddress.TryParse(host, out var address))
        {
            return options.Hosts.Contains(host, StringComparer.OrdinalIgnoreCase);
        }

        // ::ffff:10.0.0.1 is 10.0.0.1 on the wire: judge the address that is really connected to.
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return options.Networks.Any(n => IPNetwork.TryParse(n, out var network) && network.Contains(address));
    }

    // Paths and endpoints are long: shown whole up to a point, so the refusal says which one.
    private static string Printable(string value) => RuntimeArguments.Printable(value, 160);
}
