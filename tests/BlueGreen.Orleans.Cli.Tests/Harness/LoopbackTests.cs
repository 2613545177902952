using System.Globalization;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Cli.Tests.Harness;

/// <summary>
/// The ports every test fixture takes for processes it starts later: a port the kernel may also hand out as the source
/// port of an outgoing connection (CLI to gateway, haproxy health checks) made a green instance fail to bind in CI.
/// </summary>
public sealed class LoopbackTests
{
    [Fact]
    public void FreePort_Taken_IsOutsideTheKernelsEphemeralRange()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var (low, high) = (int.Parse(range[0], CultureInfo.InvariantCulture), int.Parse(range[1], CultureInfo.InvariantCulture));

        var ports = Enumerable.Range(0, 20).Select(_ => Loopback.FreePort()).ToList();

        Assert.All(ports, port => Assert.False(port >= low && port <= high, $"port {port} is in the ephemeral range {low}-{high}"));
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void FreePort_Taken_IsReservedAgainstOtherTestProcesses()
    {
        var port = Loopback.FreePort();

        // Another test process takes the same lock file the same way; flock conflicts across open files, even in one process.
        var path = Path.Combine("/tmp/bluegreen-test-ports", port.ToString(CultureInfo.InvariantCulture));
        Assert.Throws<IOException>(() => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None).Dispose());
    }
}
