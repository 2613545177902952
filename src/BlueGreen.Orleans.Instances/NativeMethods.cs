using System.Runtime.InteropServices;

namespace BlueGreen.Orleans.Instances;

internal static partial class NativeMethods
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>errno: no such process (or process group).</summary>
    public const int NoSuchProcess = 3;

    /// <summary>waitpid option: return at once when the child has not exited.</summary>
    public const int NoHang = 1;

    /// <summary>errno of getpwnam_r: the buffer is too small for the entry.</summary>
    public const int Range = 34;

    /// <summary>kill(2): .NET can only send SIGKILL, and only to a pid, never to a process group.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>open(2): .NET opens no folder, and fsync(2) of a folder needs its descriptor.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int descriptor);

    /// <summary>waitpid(2) with WNOHANG: reaps one exited child without blocking.</summary>
    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    /// <summary>getpwnam_r(3): the user database through NSS (files, LDAP...), not /etc/passwd alone.</summary>
    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int GetPasswordEntry(string name, out Passwd entry, byte[] buffer, nuint size, out nint result);

    /// <summary>struct passwd of glibc (Linux): only the ids are read; the strings point into the caller's buffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Directory;
        public nint Shell;
    }
}
