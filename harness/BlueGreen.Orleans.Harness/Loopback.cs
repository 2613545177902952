using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BlueGreen.Orleans.Harness;

/// <summary>Addresses and ports on 127.0.0.0/8: the only place test traffic goes.</summary>
public static class Loopback
{
    private const string ReservationFolder = "/tmp/bluegreen-test-ports";

    private static readonly Lock Gate = new();
    private static readonly List<FileStream> Reservations = [];
    private static readonly (int First, int Last) Range = ReservableRange();
    private static int _next = Environment.ProcessId % 200;
    private static int _nextPort = Range.First + (Environment.ProcessId * 97 % (Range.Last - Range.First + 1));

    /// <summary>A distinct 127.0.0.x address (x in 2..250), so several "hosts" can share this machine.</summary>
    public static string NextAddress() => $"127.0.0.{2 + (Interlocked.Increment(ref _next) % 249)}";

    /// <summary>
    /// A port free on <paramref name="address"/> now and kept for this test process: taken outside the kernel's
    /// ephemeral range (so no outgoing connection borrows it as its source port before the test listens on it), and
    /// reserved across test processes by a lock file that the kernel releases when this process ends.
    /// </summary>
    public static int FreePort(string address = "127.0.0.1")
    {
        lock (Gate)
        {
            var size = Range.Last - Range.First + 1;
            for (var tried = 0; tried < size; tried++)
            {
                var port = Range.First + ((_nextPort++ - Range.First) % size);
                if (TryReserve(port) is not { } reservation)
                {
                    continue;
                }

                if (CanListen(address, port))
                {
                    Reservations.Add(reservation);
                    return port;
                }

                reservation.Dispose();
            }
        }

        throw new InvalidOperationException($"no free port left in {Range.First}-{Range.Last} on {address}");
    }

    private static FileStream? TryReserve(int port)
    {
        Directory.CreateDirectory(ReservationFolder);
        try
        {
            // FileShare.None takes an exclusive flock on Unix: another test process cannot open it until this one ends.
            return new FileStream(Path.Combine(ReservationFolder, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool CanListen(string address, int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Parse(address), port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// 15000-21999 (above the README's fixed ports, below Orleans' test cluster ports, which start at 22300) when the kernel's ephemeral range starts
    /// above it, as it does by default; otherwise the ports above the ephemeral range.
    /// </summary>
    private static (int First, int Last) ReservableRange()
    {
        var (low, high) = (32768, 60999);
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            (low, high) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or unreadable: keep Linux's default range.
        }

        return low > 21999 ? (15000, 21999) : high < 65000 ? (high + 1, 65535) : (low, high);
    }
}
