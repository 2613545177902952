using System.Net;
using System.Net.Sockets;

namespace BlueGreen.Orleans.Instances.Tests;

public sealed class ListenersTests
{
    [Fact]
    public void Parse_Ipv4ListenLine_AddressPortAndInode()
    {
        // A real /proc/net/tcp line: 127.0.0.1:3000 listening, inode 12345 (addresses as host-order hex words).
        const string line = "   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0";

        var socket = Listeners.Parse(line);

        Assert.Equal((IPAddress.Loopback, 3000, 12345UL), socket);
    }

    [Fact]
    public void Parse_Ipv6ListenLine_Loopback()
    {
        const string line = "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0";

        var socket = Listeners.Parse(line);

        Assert.Equal((IPAddress.IPv6Loopback, 8080, 777UL), socket);
    }

    [Theory]
    [InlineData("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")]
    [InlineData("   2: 0100007F:0BB8 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0000000000000000 20 4 30 10 -1")]
    public void Parse_HeaderOrNotListening_Null(string line) => Assert.Null(Listeners.Parse(line));

    [Fact]
    public void Find_ThisProcessListens_ItsPid()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.Equal(Environment.ProcessId, Listeners.Find(IPAddress.Loopback, port));
    }

    [Fact]
    public void Find_NothingListens_Null()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        Assert.Null(Listeners.Find(IPAddress.Loopback, port));
    }
}
