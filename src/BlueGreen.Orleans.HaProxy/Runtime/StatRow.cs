using System.Globalization;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>One line of <c>show stat</c>, read by column name from the CSV header.</summary>
public sealed class StatRow
{
    private readonly IReadOnlyDictionary<string, int> _columns;
    private readonly string[] _values;

    internal StatRow(IReadOnlyDictionary<string, int> columns, string[] values)
    {
        _columns = columns;
        _values = values;
    }

    /// <summary><c>pxname</c>: the frontend or backend name.</summary>
    public string ProxyName => this["pxname"] ?? string.Empty;

    /// <summary><c>svname</c>: the server name, or FRONTEND / BACKEND.</summary>
    public string ServiceName => this["svname"] ?? string.Empty;

    public StatRowType Type => (StatRowType)(GetInt64("type") ?? -1);

    /// <summary><c>status</c>: UP, DOWN, "UP 1/2", "DOWN 1/2", MAINT, DRAIN, "no check", OPEN… Compare to exactly "UP".</summary>
    public string Status => this["status"] ?? string.Empty;

    public bool IsUp => string.Equals(Status, "UP", StringComparison.Ordinal);

    /// <summary><c>scur</c>: current sessions.</summary>
    public long CurrentSessions => GetInt64("scur") ?? 0;

    /// <summary>
    /// <c>check_status</c>, the last check's result: L7OK, L4CON, L7STS… HAProxy prefixes it with <c>"* "</c> while a
    /// check runs; that marker is dropped, so one server reads the same whether or not a check is under way (a snapshot
    /// diff would otherwise see a change at every tick that met a running check).
    /// </summary>
    public string CheckStatus => this["check_status"] is { } status ? (status.StartsWith("* ", StringComparison.Ordinal) ? status[2..] : status) : string.Empty;

    /// <summary><c>last_chk</c>: the last health check's description.</summary>
    public string LastCheck => this["last_chk"] ?? string.Empty;

    /// <summary><c>lastchg</c>: seconds since the last UP/DOWN transition.</summary>
    public long? SecondsSinceLastChange => GetInt64("lastchg");

    /// <summary><c>chkdown</c>: how many UP→DOWN transitions the checks have seen.</summary>
    public long CheckDownTransitions => GetInt64("chkdown") ?? 0;

    /// <summary><c>hrsp_5xx</c>: responses with a 5xx code.</summary>
    public long Http5xxResponses => GetInt64("hrsp_5xx") ?? 0;

    /// <summary>HTTP responses of every class (<c>hrsp_1xx</c> … <c>hrsp_5xx</c>, <c>hrsp_other</c>).</summary>
    public long HttpResponses =>
        (GetInt64("hrsp_1xx") ?? 0) + (GetInt64("hrsp_2xx") ?? 0) + (GetInt64("hrsp_3xx") ?? 0) + (GetInt64("hrsp_4xx") ?? 0) + Http5xxResponses + (GetInt64("hrsp_other") ?? 0);

    /// <summary><c>econ</c>: connection attempts to the server that failed.</summary>
    public long ConnectionErrors => GetInt64("econ") ?? 0;

    /// <summary><c>eresp</c>: responses that failed (the server closed or reset the connection, a read error).</summary>
    public long ResponseErrors => GetInt64("eresp") ?? 0;

    /// <summary><c>rtime</c>: the average response time, ms, over the server's last 1,024 responses (0 before any).</summary>
    public long ResponseTimeMs => GetInt64("rtime") ?? 0;

    /// <summary><c>ttime</c>: the average total session time, ms, over the server's last 1,024 sessions.</summary>
    public long TotalTimeMs => GetInt64("ttime") ?? 0;

    /// <summary><c>stot</c>: sessions in total.</summary>
    public long TotalSessions => GetInt64("stot") ?? 0;

    /// <summary>The raw value of any column, or null when the column is absent or empty.</summary>
    public string? this[string column] =>
        _columns.TryGetValue(column, out var index) && index < _values.Length && _values[index].Length > 0 ? _values[index] : null;

    public long? GetInt64(string column) =>
        long.TryParse(this[column], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    public override string ToString() => $"{ProxyName}/{ServiceName} {Status}";

    /// <summary>Parses the CSV of <c>show stat</c>: a <c># pxname,svname,…</c> header, then one line per proxy or server.</summary>
    public static IReadOnlyList<StatRow> ParseCsv(string reply)
    {
        var lines = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith('#'))
        {
            throw new FormatException("'show stat' reply has no '# pxname,svname,…' header.");
        }

        var header = lines[0].TrimStart('#', ' ').Split(',');
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i].Length > 0)
            {
                columns.TryAdd(header[i], i);
            }
        }

        if (!columns.ContainsKey("pxname") || !columns.ContainsKey("svname") || !columns.ContainsKey("status"))
        {
            throw new FormatException("'show stat' header lacks pxname, svname or status.");
        }

        var rows = new List<StatRow>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            rows.Add(new StatRow(columns, lines[i].Split(',')));
        }

        return rows;
    }
}
