using System.Globalization;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>
/// What the master CLI's <c>show proc</c> lists: the master, the current workers, and the old workers that a reload
/// left running until their connections end. Old workers still send requests to the backends those requests were
/// routed to; the live worker's <c>show stat</c> does not see them.
/// </summary>
public sealed partial record MasterProcessList(MasterProcess Master, IReadOnlyList<MasterProcess> Workers, IReadOnlyList<MasterProcess> OldWorkers)
{
    // "9443            master          2 [failed: 0]   0d00h00m13s     2.6.12-1+deb12u4"
    [GeneratedRegex(@"^(?<pid>[0-9]{1,9})\s+(?<type>\S+)\s+(?<reloads>[0-9]{1,9})(\s+\[failed:\s*(?<failed>[0-9]{1,9})\])?\s+(?<d>[0-9]{1,6})d(?<h>[0-9]{2})h(?<m>[0-9]{2})m(?<s>[0-9]{2})s(\s+(?<version>\S+))?\s*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RowPattern();

    /// <summary>Every worker, current and old.</summary>
    public IEnumerable<MasterProcess> AllWorkers => Workers.Concat(OldWorkers);

    /// <summary>Parses <c>show proc</c> (HAProxy 2.6): a header, the master row, then "# workers", "# old workers", "# programs" sections.</summary>
    public static MasterProcessList Parse(string reply)
    {
        MasterProcess? master = null;
        var workers = new List<MasterProcess>();
        var oldWorkers = new List<MasterProcess>();
        var section = "master";
        foreach (var raw in reply.Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ');
            if (line.Length == 0 || line.StartsWith("#<", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                section = line.TrimStart('#', ' ');
                continue;
            }

            var match = RowPattern().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"'show proc' row not understood: {RuntimeArguments.Printable(line, 120)}");
            }

            var process = Row(match);
            switch (section)
            {
                case "master" when process.Type == "master":
                    master = process;
                    break;
                case "workers" when process.Type == "worker":
                    workers.Add(process);
                    break;
                case "old workers" when process.Type == "worker":
                    oldWorkers.Add(process);
                    break;
                case "programs":
                    break;
                default:
                    throw new FormatException($"'show proc': a '{RuntimeArguments.Printable(process.Type)}' row in section '{RuntimeArguments.Printable(section)}'.");
            }
        }

        return master is null
            ? throw new FormatException($"'show proc' reply has no master row: {RuntimeArguments.Printable(reply, 200)}")
            : new MasterProcessList(master, workers, oldWorkers);
    }

    private static MasterProcess Row(Match m)
    {
        static int Int(Group g) => int.Parse(g.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        var uptime = new TimeSpan(Int(m.Groups["d"]), Int(m.Groups["h"]), Int(m.Groups["m"]), Int(m.Groups["s"]));
        return new MasterProcess(
            Int(m.Groups["pid"]),
            m.Groups["type"].Value,
            Int(m.Groups["reloads"]),
            m.Groups["failed"].Success ? Int(m.Groups["failed"]) : null,
            uptime,
            m.Groups["version"].Value);
    }
}
