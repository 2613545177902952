using System.Globalization;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>One line of <c>show servers state</c>.</summary>
public sealed record ServerState(
    string Backend,
    string Server,
    string Address,
    int Port,
    ServerOperationalState OperationalState,
    int AdminState,
    int UserWeight,
    long SecondsSinceLastChange)
{
    // srv_admin_state flags (HAProxy's SRV_ADMF_*): FMAINT 0x01, IMAINT 0x02, CMAINT 0x04, FDRAIN 0x08,
    // IDRAIN 0x10, RMAINT 0x20, HMAINT 0x40.
    private const int MaintFlags = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
    private const int DrainFlags = 0x08 | 0x10;

    /// <summary>True when any MAINT flag is set (forced, inherited, config, resolution or hostname).</summary>
    public bool InMaintenance => (AdminState & MaintFlags) != 0;

    /// <summary>True when the server is in DRAIN mode (forced or inherited).</summary>
    public bool Draining => (AdminState & DrainFlags) != 0;

    /// <summary>Parses the format-1 output: a version line, a <c># be_id be_name …</c> header, then one line per server.</summary>
    public static IReadOnlyList<ServerState> Parse(string reply)
    {
        var lines = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var headerIndex = Array.FindIndex(lines, l => l.StartsWith('#'));
        if (headerIndex < 0)
        {
            throw new FormatException("'show servers state' reply has no header.");
        }

        var header = lines[headerIndex].TrimStart('#').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Col(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new FormatException($"'show servers state' header lacks '{name}'.");
        var (be, sv, addr, port, op, admin, weight, since) = (Col("be_name"), Col("srv_name"), Col("srv_addr"), Col("srv_port"),
            Col("srv_op_state"), Col("srv_admin_state"), Col("srv_uweight"), Col("srv_time_since_last_change"));
        var rows = new List<ServerState>();
        foreach (var line in lines.Skip(headerIndex + 1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < header.Length)
            {
                continue;
            }

            rows.Add(new ServerState(f[be], f[sv], f[addr], Int(f[port]), (ServerOperationalState)Int(f[op]), Int(f[admin]), Int(f[weight]), Int(f[since])));
        }

        return rows;
    }

    private static int Int(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
