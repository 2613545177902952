using System.Globalization;
using System.Net;

namespace BlueGreen.Orleans.Instances;

/// <summary>
/// Which local process listens on a TCP address and port, from <c>/proc/net/tcp</c>, <c>/proc/net/tcp6</c> (the
/// listening socket's inode) and <c>/proc/&lt;pid&gt;/fd</c> (who holds that inode). Only processes this one may
/// inspect are seen: its own user's, or all when root.
/// </summary>
internal static class Listeners
{
    private const string Listen = "0A";

    private static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>The pid of a process listening on <paramref name="address"/>:<paramref name="port"/> (or on every address at that port), or null.</summary>
    public static int? Find(IPAddress address, int port)
    {
        var inodes = Tables
            .Where(File.Exists)
            .SelectMany(File.ReadLines)
            .Select(Parse)
            .Where(s => s is { } socket && socket.Port == port && (socket.Address.Equals(address) || IsAny(socket.Address)))
            .Select(s => s!.Value.Inode)
            .Where(inode => inode != 0)
            .Select(inode => $"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]")
            .ToHashSet(StringComparer.Ordinal);
        if (inodes.Count == 0)
        {
            return null;
        }

        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(folder, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                    {
                        return pid;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another user's process, or one that exited while we looked.
            }
        }

        return null;
    }

    /// <summary>One line of /proc/net/tcp(6): "sl local rem st ... uid timeout inode", addresses as hex words in host order.</summary>
    internal static (IPAddress Address, int Port, ulong Inode)? Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || fields[3] != Listen)
        {
            return null;
        }

        var local = fields[1].Split(':');
        if (local.Length != 2
            || !int.TryParse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)
            || !ulong.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            || local[0].Length is not (8 or 32))
        {
            return null;
        }

        // Each 32-bit word is printed as the host's integer: on little-endian machines its bytes come reversed.
        var bytes = new byte[local[0].Length / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            if (!uint.TryParse(local[0].AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            var wordBytes = BitConverter.GetBytes(value);
            wordBytes.CopyTo(bytes, word * 4);
        }

        var address = new IPAddress(bytes);
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port, inode);
    }

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
