using System.Globalization;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>One map loaded by HAProxy, as listed by <c>show map</c>.</summary>
public sealed partial record MapDescriptor(int Id, string File, long EntryCount)
{
    [GeneratedRegex(@"^(?<id>\d+) \((?<file>[^)]*)\).*?(entry_cnt=(?<cnt>\d+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Line();

    /// <summary>Parses <c>show map</c> without argument: <c>2 (/etc/haproxy/hosts.map) pattern loaded … entry_cnt=1</c>.</summary>
    public static IReadOnlyList<MapDescriptor> Parse(string reply)
    {
        var maps = new List<MapDescriptor>();
        foreach (var line in reply.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Line().Match(line);
            if (match.Success)
            {
                maps.Add(new MapDescriptor(
                    int.Parse(match.Groups["id"].Value, CultureInfo.InvariantCulture),
                    match.Groups["file"].Value,
                    match.Groups["cnt"].Success ? long.Parse(match.Groups["cnt"].Value, CultureInfo.InvariantCulture) : 0));
            }
        }

        return maps;
    }
}
