using System.Diagnostics;
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

    /// <summary>kill(-pgid, 0): is any process of the group left (helpers the instance forked)?</summary>
    public static bool GroupExists(int processGroup) =>
        NativeMethods.Kill(-processGroup, 0) == 0 || Marshal.GetLastPInvokeError() != NativeMethods.NoSuchProcess;

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
