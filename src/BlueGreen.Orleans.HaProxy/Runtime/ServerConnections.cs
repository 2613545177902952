using System.Globalization;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>One line of <c>show servers conn &lt;backend&gt;</c>.</summary>
public sealed record ServerConnections(string Backend, string Server, string Address, int Port, long UsedCurrent, long UsedMax, long IdleCurrent)
{
    /// <summary>
    /// Parses <c># bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est …</c>; columns are
    /// found by name in the header (<c>used_cur</c> is the 7th field on 2.6).
    /// </summary>
    public static IReadOnlyList<ServerConnections> Parse(string reply)
    {
        var lines = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith('#'))
        {
            throw new FormatException("'show servers conn' reply has no header.");
        }

        var header = lines[0].TrimStart('#').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var name = Column(header, "bkname/svname");
        var addr = Column(header, "addr");
        var port = Column(header, "port");
        var usedCur = Column(header, "used_cur");
        var usedMax = Column(header, "used_max");
        var idleCur = Column(header, "idle_cur");
        var rows = new List<ServerConnections>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var slash = f[name].IndexOf('/', StringComparison.Ordinal);
            rows.Add(new ServerConnections(
                f[name][..slash],
                f[name][(slash + 1)..],
                f[addr],
                int.TryParse(f[port], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0,
                Long(f, usedCur),
                Long(f, usedMax),
                Long(f, idleCur)));
        }

        return rows;
    }

    private static int Column(string[] header, string column)
    {
        var index = Array.IndexOf(header, column);
        return index >= 0 ? index : throw new FormatException($"'show servers conn' header lacks '{column}'.");
    }

    private static long Long(string[] fields, int index) =>
        index < fields.Length && long.TryParse(fields[index], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
