namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>One key/value pair of an HAProxy map.</summary>
public sealed record MapEntry(string Key, string Value)
{
    /// <summary>Parses <c>show map &lt;map&gt;</c>: <c>0x55… key value</c> per line.</summary>
    public static IReadOnlyList<MapEntry> ParseShowMap(string reply)
    {
        var entries = new List<MapEntry>();
        foreach (var line in reply.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[0].StartsWith("0x", StringComparison.Ordinal))
            {
                entries.Add(new MapEntry(parts[1], parts[2]));
            }
        }

        return entries;
    }

    /// <summary>Parses <c>get map</c>: <c>type=str, …, found=yes, …, value="web_green", …</c>. Null when not found.</summary>
    public static string? ParseGetMapValue(string reply)
    {
        if (!reply.Contains("found=yes", StringComparison.Ordinal))
        {
            return null;
        }

        const string marker = "value=\"";
        var start = reply.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new FormatException($"'get map' reply has no value: {reply}");
        }

        start += marker.Length;
        var end = reply.IndexOf('"', start);
        return end < 0 ? throw new FormatException($"'get map' reply has an unterminated value: {reply}") : reply[start..end];
    }
}
