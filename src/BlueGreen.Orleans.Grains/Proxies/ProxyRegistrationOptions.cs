using System.Net;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// What a proxy registration may point this server at (<c>BlueGreen:Proxies</c>): the folder map files are written in,
/// and the Runtime API endpoints it may connect to. The defaults keep everything on this host.
/// </summary>
public sealed class ProxyRegistrationOptions
{
    public const string Section = "BlueGreen:Proxies";

    public static readonly IReadOnlyList<string> DefaultRuntimeApiNetworks = ["127.0.0.0/8", "::1/128"];

    public static readonly IReadOnlyList<string> DefaultRuntimeApiSocketDirectories = ["/run/haproxy"];

    /// <summary>Every map file this server writes must really lie (symlinks followed) inside this folder.</summary>
    public string MapsRoot { get; set; } = "/var/lib/bluegreen/maps";

    /// <summary>A <c>tcp://</c> Runtime API must name an IP address in one of these networks (unset: loopback).</summary>
    public string[]? RuntimeApiNetworks { get; set; }

    /// <summary>Host names a <c>tcp://</c> Runtime API may name instead of an address (unset: none).</summary>
    public string[]? RuntimeApiHosts { get; set; }

    /// <summary>A <c>unix://</c> Runtime API socket must really lie (symlinks followed) in one of these folders (unset: /run/haproxy).</summary>
    public string[]? RuntimeApiSocketDirectories { get; set; }

    public IReadOnlyList<string> Networks => RuntimeApiNetworks ?? DefaultRuntimeApiNetworks;

    public IReadOnlyList<string> Hosts => RuntimeApiHosts ?? [];

    public IReadOnlyList<string> SocketDirectories => RuntimeApiSocketDirectories ?? DefaultRuntimeApiSocketDirectories;

    public void Validate(List<string> errors)
    {
        if (!IsAbsoluteFolder(MapsRoot))
        {
            errors.Add($"{Section}:MapsRoot '{RuntimeArguments.Printable(MapsRoot)}' must be an absolute path other than /.");
        }

        foreach (var network in Networks.Where(n => !IPNetwork.TryParse(n, out _)))
        {
            errors.Add($"{Section}:RuntimeApiNetworks: '{RuntimeArguments.Printable(network)}' is not a network such as 127.0.0.0/8 or ::1/128.");
        }

        foreach (var host in Hosts.Where(h => Uri.CheckHostName(h) != UriHostNameType.Dns))
        {
            errors.Add($"{Section}:RuntimeApiHosts: '{RuntimeArguments.Printable(host)}' is not a host name (addresses go in RuntimeApiNetworks).");
        }

        foreach (var folder in SocketDirectories.Where(f => !IsAbsoluteFolder(f)))
        {
            errors.Add($"{Section}:RuntimeApiSocketDirectories: '{RuntimeArguments.Printable(folder)}' must be an absolute path other than /.");
        }
    }

    private static bool IsAbsoluteFolder(string? path) =>
        path is not null && path.StartsWith('/') && path.Trim('/').Length > 0 && !path.Any(char.IsControl);
}
