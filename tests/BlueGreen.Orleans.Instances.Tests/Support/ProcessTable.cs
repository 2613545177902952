using System.Globalization;

namespace BlueGreen.Orleans.Instances.Tests.Support;

/// <summary>What /proc says about processes: the tests check the real machine, not the runtime's opinion of it.</summary>
internal static class ProcessTable
{
    public static bool IsAlive(int pid) => ProcStat.Read(pid) is { IsAlive: true };

    public static bool IsAlive(int pid, ulong startTime) => ProcStat.Read(pid) is { IsAlive: true } stat && stat.StartTime == startTime;

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The environment <paramref name="pid"/> was started with (<c>/proc/&lt;pid&gt;/environ</c>).</summary>
    public static IReadOnlyDictionary<string, string> Environment(int pid) =>
        File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty, StringComparer.Ordinal);

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/status</c> (<c>Uid</c>: real, effective, saved, filesystem, tab-separated).</summary>
    public static IReadOnlyDictionary<string, string> Status(int pid) =>
        File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status")
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1].Trim(), StringComparer.Ordinal);

    /// <summary>Where file descriptor <paramref name="fd"/> of <paramref name="pid"/> points.</summary>
    public static string? Descriptor(int pid, int fd) =>
        new FileInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd/{fd.ToString(CultureInfo.InvariantCulture)}").LinkTarget;

    public static IReadOnlyList<int> Pids() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0)];

    /// <summary>Live processes whose command line contains <paramref name="fragment"/>.</summary>
    public static IReadOnlyList<int> WithCommandLine(string fragment) =>
        [.. Pids().Where(pid => pid != System.Environment.ProcessId && IsAlive(pid) && CommandLine(pid).Contains(fragment, StringComparison.Ordinal))];

    /// <summary>Live members of process group <paramref name="group"/>.</summary>
    public static IReadOnlyList<int> GroupMembers(int group) =>
        [.. Pids().Where(pid => ProcStat.Read(pid) is { IsAlive: true } stat && stat.ProcessGroup == group)];

    /// <summary>Waits until <paramref name="pid"/> is gone or a zombie.</summary>
    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}
