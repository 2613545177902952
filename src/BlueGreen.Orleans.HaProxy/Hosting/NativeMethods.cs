using System.Runtime.InteropServices;

namespace BlueGreen.Orleans.HaProxy.Hosting;

internal static partial class NativeMethods
{
    /// <summary>kill(2): .NET can only send SIGKILL; a reload needs SIGUSR2.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
