using System.Runtime.InteropServices;

namespace BlueGreen.Orleans.HaProxy.Hosting;

internal static partial class NativeMethods
{
    /// <summary>kill(2): .NET can only send SIGKILL; a reload needs SIGUSR2.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <summary>open(2): .NET opens no folder, and fsync(2) of a folder needs its descriptor.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(int descriptor);

    /// <summary>setpriority(2) with <c>PRIO_PROCESS</c> and a thread id: on Linux it sets that one thread's nice value.</summary>
    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    internal static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    internal static partial int GetThreadId();
}
