using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace BlueGreen.Orleans.Instances;

/// <summary>
/// The content of <c>&lt;name&gt;.pid</c>. The first line is the bare pid, as in any pid file (so
/// <c>kill $(head -1 web-green-0.pid)</c> works); <c>key=value</c> lines follow.
/// </summary>
/// <param name="Pid">The instance's pid (the launcher execs, so it is the program's own pid).</param>
/// <param name="StartTime">Field 22 of /proc/&lt;pid&gt;/stat when it started: tells our process from a recycled pid.</param>
/// <param name="StartedAt">Wall-clock start, for <see cref="InstanceState.StartedAt"/>.</param>
/// <param name="ExitCode">Recorded when this runtime stopped it and could reap it (it was its child).</param>
internal sealed record ProcessRecord(int Pid, ulong StartTime, DateTimeOffset StartedAt, long? ExitCode = null)
{
    public string Format()
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{Pid}\n")
            .Append(CultureInfo.InvariantCulture, $"starttime={StartTime}\n")
            .Append(CultureInfo.InvariantCulture, $"started={StartedAt.UtcDateTime:O}\n");
        if (ExitCode is { } exitCode)
        {
            text.Append(CultureInfo.InvariantCulture, $"exit={exitCode}\n");
        }

        return text.ToString();
    }

    public static ProcessRecord? Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return null;
        }

        ulong? startTime = null;
        DateTimeOffset? startedAt = null;
        long? exitCode = null;
        foreach (var line in lines.Skip(1))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = line[(equals + 1)..];
            switch (line[..equals])
            {
                case "starttime" when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks):
                    startTime = ticks;
                    break;
                case "started" when DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time):
                    startedAt = time;
                    break;
                case "exit" when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code):
                    exitCode = code;
                    break;
            }
        }

        return startTime is null || startedAt is null ? null : new ProcessRecord(pid, startTime.Value, startedAt.Value, exitCode);
    }

    /// <summary>
    /// Null when there is no pid file, or when it is empty or unparsable: written durably (see <see cref="WriteAsync"/>),
    /// such a file is what a power loss leaves of an older, undurable write, and a power loss left nothing of the process
    /// running. Refusing it would wedge the instance until someone deleted the file by hand.
    /// </summary>
    public static async Task<ProcessRecord?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return Parse(await File.ReadAllTextAsync(path, cancellationToken));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Write, fsync, rename, fsync of the folder: neither a crash nor a power loss leaves a half or empty pid file, nor
    /// brings the previous one back.
    /// </summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        var bytes = Encoding.UTF8.GetBytes(Format());
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true))
        {
            await stream.WriteAsync(bytes, cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        SyncFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) of the folder: the rename lives in its entries, which a power loss can otherwise undo.</summary>
    private static void SyncFolder(string folder)
    {
        const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC: no instance started meanwhile inherits it.
        const int NotSupported = 22; // EINVAL: a file system that cannot sync a folder; nothing more to do there.
        var descriptor = NativeMethods.Open(folder, ReadOnlyCloseOnExec);
        if (descriptor < 0)
        {
            throw new IOException($"Could not open the folder {folder} to sync it: errno {Marshal.GetLastPInvokeError()}.");
        }

        try
        {
            if (NativeMethods.Fsync(descriptor) != 0 && Marshal.GetLastPInvokeError() is var error and not NotSupported)
            {
                throw new IOException($"Could not sync the folder {folder}: errno {error}.");
            }
        }
        finally
        {
            // A read-only descriptor: nothing was written through it, so a failed close loses nothing.
            _ = NativeMethods.Close(descriptor);
        }
    }
}
