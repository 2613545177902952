using System.Globalization;

namespace BlueGreen.Orleans.Bench;

/// <summary>Memory and CPU time of a process, read from <c>/proc/&lt;pid&gt;</c>.</summary>
internal static class ProcStatus
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux.

    /// <summary>Peak resident set size (<c>VmHWM</c>) in MiB, or null when the process is gone.</summary>
    public static double? PeakRssMiB(int pid) => MiB(pid, "VmHWM");

    /// <summary>One memory line of <c>/proc/&lt;pid&gt;/status</c> (<c>VmRSS</c>, <c>RssAnon</c>…) in MiB, or null when the process is gone.</summary>
    public static double? MiB(int pid, string field) => ReadNumber(pid, field + ":") / 1024.0;

    /// <summary>One count line of <c>/proc/&lt;pid&gt;/status</c> (<c>Threads</c>…), or null when the process is gone.</summary>
    public static long? Count(int pid, string field) => ReadNumber(pid, field + ":");

    /// <summary>User + system CPU time the process has used so far, or null when it is gone.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>User + system CPU seconds a process that must still run has used so far; throws when it is gone.</summary>
    public static double CpuSeconds(int pid) =>
        (CpuTime(pid) ?? throw new InvalidOperationException($"process {pid} is gone: its CPU time cannot be read.")).TotalSeconds;

    /// <summary>The machine's 1-minute load average.</summary>
    public static double LoadAverage() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static long? ReadNumber(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
