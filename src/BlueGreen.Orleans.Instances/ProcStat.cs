using System.Globalization;

namespace BlueGreen.Orleans.Instances;

/// <summary>
/// The fields of <c>/proc/&lt;pid&gt;/stat</c> this runtime needs. <see cref="StartTime"/> (clock ticks after boot) does
/// not change across exec and differs for a recycled pid, so pid + start time names one process for the uptime.
/// <see cref="ParentPid"/> tells which zombies are ours to reap.
/// </summary>
internal readonly record struct ProcStat(int Pid, char State, int ProcessGroup, int Session, ulong StartTime, int ParentPid)
{
    /// <summary>Zombies (Z) and dead tasks (X) have exited; they only wait to be reaped.</summary>
    public bool IsAlive => State is not ('Z' or 'X' or 'x');

    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (IOException)
        {
            // Gone (no such file), or it exited between open and read (ESRCH).
            return null;
        }
    }

    /// <summary>
    /// "pid (comm) state ppid pgrp session ... starttime(22) ...". comm may hold spaces and parentheses, so fields are
    /// counted from the last ')'.
    /// </summary>
    public static ProcStat? Parse(string text)
    {
        var open = text.IndexOf(" (", StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open <= 0 || close < open || close + 2 >= text.Length)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        if (fields.Length < 20
            || fields[0].Length != 1
            || !int.TryParse(text.AsSpan(0, open), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !int.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var group)
            || !int.TryParse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var session)
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
        {
            return null;
        }

        return new ProcStat(pid, fields[0][0], group, session, startTime, parent);
    }
}
