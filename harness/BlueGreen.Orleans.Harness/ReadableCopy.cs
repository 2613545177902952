using System.Security.Cryptography;
using System.Text;

namespace BlueGreen.Orleans.Harness;

/// <summary>
/// A program file that every user can read. A server running as root starts its process instances as an unprivileged
/// user (nobody); a checkout that user cannot read (under /root, or a umask of 077) gets its build folder copied once to
/// /tmp, world-readable, keyed by the file's path and time, and reused by later runs.
/// </summary>
internal static class ReadableCopy
{
    private static readonly Lock Gate = new();

    public static string Of(string file)
    {
        if (OperatingSystem.IsWindows() || IsReadableByAll(file))
        {
            return file;
        }

        var source = Path.GetDirectoryName(file)!;
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{file}|{File.GetLastWriteTimeUtc(file):O}")))[..16];
        var target = Path.Combine("/tmp", $"bluegreen-readable-{key}");
        lock (Gate)
        {
            if (!File.Exists(Path.Combine(target, ".complete")))
            {
                var staging = $"{target}.{Environment.ProcessId}";
                Copy(source, staging);
                File.WriteAllText(Path.Combine(staging, ".complete"), file);
                try
                {
                    Directory.Move(staging, target);
                }
                catch (IOException)
                {
                    // Another process made the same copy first.
                    Directory.Delete(staging, recursive: true);
                }
            }
        }

        return Path.Combine(target, Path.GetFileName(file));
    }

    public static bool IsReadableByAll(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        if (!File.Exists(file) || (File.GetUnixFileMode(file) & UnixFileMode.OtherRead) == 0)
        {
            return false;
        }

        for (var folder = Path.GetDirectoryName(Path.GetFullPath(file)); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if ((File.GetUnixFileMode(folder) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Copy(string source, string target)
    {
        const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        Directory.CreateDirectory(target, Folder);
        File.SetUnixFileMode(target, Folder);
        foreach (var path in Directory.EnumerateFiles(source))
        {
            var copy = Path.Combine(target, Path.GetFileName(path));
            File.Copy(path, copy, overwrite: true);
            File.SetUnixFileMode(copy, Readable);
        }

        foreach (var folder in Directory.EnumerateDirectories(source))
        {
            Copy(folder, Path.Combine(target, Path.GetFileName(folder)));
        }
    }
}
