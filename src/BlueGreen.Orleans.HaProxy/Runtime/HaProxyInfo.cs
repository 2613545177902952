using System.Globalization;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>What <c>show info</c> says about the worker that answered.</summary>
public sealed record HaProxyInfo(int Pid, long UptimeSeconds, bool Stopping, string Version, long CurrentConnections)
{
    /// <summary>Parses the <c>Key: Value</c> lines of <c>show info</c>.</summary>
    public static HaProxyInfo Parse(string reply)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in reply.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        if (!fields.TryGetValue("Pid", out var pid) || !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var pidValue))
        {
            throw new FormatException($"'show info' reply has no Pid: {Truncate(reply)}");
        }

        return new HaProxyInfo(
            pidValue,
            Long(fields, "Uptime_sec"),
            Long(fields, "Stopping") == 1,
            fields.GetValueOrDefault("Version", string.Empty),
            Long(fields, "CurrConns"));
    }

    private static long Long(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
