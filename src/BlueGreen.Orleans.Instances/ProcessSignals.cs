using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace BlueGreen.Orleans.Instances;

/// <summary>Signals to instance processes and their groups (kill(2): .NET itself can only send SIGKILL).</summary>
internal static class ProcessSignals
{
    /// <summary>How long SIGKILL may take (a process in uninterruptible I/O) before giving up with an error.</summary>
    public static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    public static void Send(string name, int pid, bool group, int signal)
    {
        var target = group ? -pid : pid;
        // ESRCH: it exited since we looked; anything else (EPERM) means we cannot stop it at all.
        if (NativeMethods.Kill(target, signal) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != NativeMethods.NoSuchProcess)
        {
            throw new InstanceRuntimeException(name, $"kill({target}, {signal}) for instance '{name}' failed with errno {errno}.");
        }
    }

    /// <summary>
    /// Is any process of the group (helpers the instance forked) still running? kill(-pgid, 0) alone also counts zombies,
    /// which never go away when the server is PID 1 (in a container orphans become its children, and .NET reaps only the
    /// processes it started): every stop would then wait its full timeout. So members are read from /proc, zombies count
    /// as exited, and those that are our children are reaped on the way.
    /// </summary>
    public static bool GroupAlive(int processGroup)
    {
        if (NativeMethods.Kill(-processGroup, 0) != 0 && Marshal.GetLastPInvokeError() == NativeMethods.NoSuchProcess)
        {
            return false;
        }

        var alive = false;
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || ProcStat.Read(pid) is not { } stat || stat.ProcessGroup != processGroup)
            {
                continue;
            }

            if (stat.IsAlive)
            {
                alive = true;
            }
            else if (stat.ParentPid == Environment.ProcessId && pid != processGroup)
            {
                // An orphan handed to us. Never the leader: that is the runtime's own Process, which .NET reaps (and
                // whose exit code it keeps).
                _ = NativeMethods.WaitPid(pid, out _, NativeMethods.NoHang);
            }
        }

        return alive;
    }

    public static void KillUnrecorded(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(KillGrace);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        finally
        {
            process.Dispose();
        }
    }
}
