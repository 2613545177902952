using System.Runtime.InteropServices;
using BlueGreen.Orleans.HaProxy.Hosting;

namespace BlueGreen.Orleans.HaProxy.Maps;

/// <summary>
/// Replaces a whole file atomically and durably: a temp file in the same folder, flushed to disk, renamed over the old
/// one, then the folder synced. A reader (HAProxy at a reload, an agent after kill -9) sees the old file or the new one,
/// never half, also after a power loss. Map files and the agent's state file are written this way.
/// </summary>
public static class DurableFile
{
    /// <summary>The nice value of a <see cref="WritePriority.Background"/> write's thread: the lowest CPU priority.</summary>
    internal const int BackgroundNice = 19;

    public static Task WriteAsync(string path, byte[] bytes, CancellationToken cancellationToken = default) =>
        WriteAsync(path, bytes, WritePriority.Normal, cancellationToken);

    public static Task WriteAsync(string path, byte[] bytes, WritePriority priority, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        return RunOffThePoolAsync(() => WriteDurably(full, bytes), priority, cancellationToken);
    }

    /// <summary>
    /// fsync has no asynchronous form: it blocks its thread for milliseconds. Off the thread pool it cannot hold up the
    /// callers' pool (an Orleans silo switching 50 proxies at once would otherwise queue every other proxy's Runtime API
    /// reply behind these writes). A <see cref="WritePriority.Normal"/> write gets a thread of its own, so that parallel
    /// writes can share one journal commit; a <see cref="WritePriority.Background"/> one goes to the process's one
    /// background write thread, at the lowest CPU priority (<see cref="BackgroundWriteThread"/>).
    /// </summary>
    internal static Task RunOffThePoolAsync(Action write, WritePriority priority, CancellationToken cancellationToken) =>
        priority == WritePriority.Background
            ? BackgroundWriteThread.RunAsync(write, cancellationToken)
            : Task.Factory.StartNew(write, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void WriteDurably(string full, byte[] bytes)
    {
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                // fsync before the rename: after a power loss the new name never points at empty data.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        SyncFolder(folder);
    }

    /// <summary>
    /// fsync(2) of the folder after the rename: the new name lives in the folder's entries, and until they reach the disk
    /// a power loss can bring the old file back (ext4, xfs), which the next start of HAProxy would load. No test can see
    /// this without cutting the power; a failure is an <see cref="IOException"/> like a failed write.
    /// </summary>
    private static void SyncFolder(string folder)
    {
        const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC: no child process started meanwhile inherits it.
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
