using System.Net;
using System.Net.Sockets;

namespace BlueGreen.Orleans.Harness;

/// <summary>Addresses and ports on 127.0.0.0/8: the only place test traffic goes.</summary>
public static class Loopback
{
    private static int _next = Environment.ProcessId % 200;

    /// <summary>A distinct 127.0.0.x address (x in 2..250), so several "hosts" can share this machine.</summary>
    public static string NextAddress() => $"127.0.0.{2 + (Interlocked.Increment(ref _next) % 249)}";

    /// <summary>A port free on <paramref name="address"/> right now (the kernel picks it).</summary>
    public static int FreePort(string address = "127.0.0.1")
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
