using System.Runtime.InteropServices;

namespace BlueGreen.Orleans.Instances.Tests.Support;

internal static partial class NativeMethods
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>umount2 flag: detach now, clean up when no longer busy.</summary>
    public const int MountDetach = 2;

    /// <summary>kill(2): .NET's Process.Kill only sends SIGKILL; dockerd deserves a SIGTERM first.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>umount2(2): dockerd leaves its netns mount (nsfs) behind, which blocks deleting its folder.</summary>
    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unmount(string target, int flags);
}
