using System.Globalization;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>What <c>show info</c> says about the worker that answered.</summary>
public sealed record HaProxyInfo(int Pid, long UptimeSeconds, bool Stopping, string Version, long CurrentConnections)
{
    /// <summary>
    /// Parses the <c>Key: Value</c> lines of <c>show info</c>; the first line of a key counts. Only the five fields kept
    /// are read, without a string per line: every verified Runtime API batch ends with this reply.
    /// </summary>
    public static HaProxyInfo Parse(string reply)
    {
        string? pid = null;
        string? version = null;
        long? uptime = null, stopping = null, connections = null;
        foreach (var line in reply.AsSpan().EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].Trim())
            {
                case "Pid":
                    pid ??= value.ToString();
                    break;
                case "Uptime_sec":
                    uptime ??= Long(value);
                    break;
                case "Stopping":
                    stopping ??= Long(value);
                    break;
                case "Version":
                    version ??= value.ToString();
                    break;
                case "CurrConns":
                    connections ??= Long(value);
                    break;
            }
        }

        if (pid is null || !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var pidValue))
        {
            throw new FormatException($"'show info' reply has no Pid: {Truncate(reply)}");
        }

        return new HaProxyInfo(pidValue, uptime ?? 0, stopping == 1, version ?? string.Empty, connections ?? 0);
    }

    private static long Long(ReadOnlySpan<char> text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
