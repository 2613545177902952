using System.Runtime.InteropServices;

namespace BlueGreen.Orleans.Instances;

internal static partial class NativeMethods
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>errno: no such process (or process group).</summary>
    public const int NoSuchProcess = 3;

    /// <summary>kill(2): .NET can only send SIGKILL, and only to a pid, never to a process group.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
