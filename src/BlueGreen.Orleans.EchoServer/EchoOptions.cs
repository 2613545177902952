using System.Globalization;
using System.Net;

namespace BlueGreen.Orleans.EchoServer;

/// <summary>Settings from arguments (<c>--port 8080</c>) or environment (<c>PORT=8080</c>); arguments win.</summary>
internal sealed record EchoOptions(IPAddress Address, int Port, string Colour, string Version, string InstanceId, TimeSpan Delay, bool Healthy)
{
    public static EchoOptions From(IConfiguration configuration)
    {
        string Get(string key, string fallback) => configuration[key] is { Length: > 0 } value ? value : fallback;

        var address = IPAddress.Parse(Get("address", "127.0.0.1"));
        var port = int.Parse(Get("port", "8080"), CultureInfo.InvariantCulture);
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(configuration), port, "port must be between 1 and 65535");
        }

        var delayMs = int.Parse(Get("delay_ms", Get("delay-ms", "0")), CultureInfo.InvariantCulture);
        return new EchoOptions(
            address,
            port,
            Get("colour", "blue"),
            Get("version", "1"),
            Get("instance_id", Get("instance-id", $"{Environment.MachineName}-{Environment.ProcessId}")),
            TimeSpan.FromMilliseconds(Math.Max(0, delayMs)),
            !string.Equals(Get("healthy", "true"), "false", StringComparison.OrdinalIgnoreCase));
    }
}
