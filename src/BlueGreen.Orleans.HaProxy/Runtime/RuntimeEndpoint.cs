using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>Where an HAProxy Runtime API listens: <c>tcp://host:port</c> or <c>unix:///path/to.sock</c>.</summary>
public sealed record RuntimeEndpoint
{
    private RuntimeEndpoint(string? host, int port, string? socketPath)
    {
        Host = host;
        Port = port;
        SocketPath = socketPath;
    }

    public string? Host { get; }

    public int Port { get; }

    public string? SocketPath { get; }

    public bool IsUnix => SocketPath is not null;

    public static RuntimeEndpoint Tcp(string host, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return new RuntimeEndpoint(host, port, null);
    }

    public static RuntimeEndpoint Unix(string socketPath)
    {
        if (string.IsNullOrWhiteSpace(socketPath) || !socketPath.StartsWith('/'))
        {
            throw new FormatException($"A unix socket path must be absolute, got '{socketPath}'.");
        }

        return new RuntimeEndpoint(null, 0, socketPath);
    }

    /// <summary>Parses <c>tcp://host:port</c> or <c>unix:///absolute/path</c>.</summary>
    public static RuntimeEndpoint Parse(string value)
    {
        if (!TryParse(value, out var endpoint, out var error))
        {
            throw new FormatException(error);
        }

        return endpoint;
    }

    public static bool TryParse(string? value, out RuntimeEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "A runtime endpoint is required (tcp://host:port or unix:///path).";
            return false;
        }

        // int.TryParse ignores trailing NULs, so "tcp://h:9999\0" would parse: no control character anywhere.
        if (value.Any(char.IsControl))
        {
            error = $"'{RuntimeArguments.Printable(value)}' contains a control character.";
            return false;
        }

        if (value.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = value["unix://".Length..];
            if (path.Length == 0 || path[0] != '/' || path.Any(char.IsControl))
            {
                error = $"'{RuntimeArguments.Printable(value)}' is not a valid unix endpoint: use unix:///absolute/path.";
                return false;
            }

            endpoint = new RuntimeEndpoint(null, 0, path);
            return true;
        }

        if (value.StartsWith("tcp://", StringComparison.Ordinal))
        {
            var rest = value["tcp://".Length..];
            var colon = rest.LastIndexOf(':');
            if (colon <= 0
                || !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535)
            {
                error = $"'{RuntimeArguments.Printable(value)}' is not a valid tcp endpoint: use tcp://host:port.";
                return false;
            }

            var host = rest[..colon].Trim('[', ']');
            if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                error = $"'{RuntimeArguments.Printable(value)}' has no valid host.";
                return false;
            }

            endpoint = new RuntimeEndpoint(host, port, null);
            return true;
        }

        error = $"'{RuntimeArguments.Printable(value)}' is not a runtime endpoint: use tcp://host:port or unix:///path.";
        return false;
    }

    internal async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        if (SocketPath is not null)
        {
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken);
                return unix;
            }
            catch
            {
                unix.Dispose();
                throw;
            }
        }

        EndPoint target = IPAddress.TryParse(Host, out var ip) ? new IPEndPoint(ip, Port) : new DnsEndPoint(Host!, Port);
        var family = ip?.AddressFamily ?? AddressFamily.InterNetwork;
        var tcp = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(target, cancellationToken);
            return tcp;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public override string ToString() => SocketPath is not null
        ? $"unix://{SocketPath}"
        : Host!.Contains(':', StringComparison.Ordinal) ? $"tcp://[{Host}]:{Port}" : $"tcp://{Host}:{Port}";
}
