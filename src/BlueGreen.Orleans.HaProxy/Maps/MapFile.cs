using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Maps;

/// <summary>
/// Reads and atomically writes an HAProxy map file (one <c>key value</c> per line). HAProxy loads it at every start
/// and reload, so it must always hold the routes the runtime holds: a write goes to a temp file in the same folder,
/// is flushed to disk, then renamed over the old file (and the folder synced), so a reader sees the old file or the new
/// one, never half.
/// </summary>
public static class MapFile
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    /// <summary>The entries of the file in order; an absent file is an empty map.</summary>
    public static async Task<IReadOnlyList<MapEntry>> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var entries = new List<MapEntry>();
        foreach (var raw in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var split = line.IndexOfAny([' ', '\t']);
            entries.Add(split < 0
                ? new MapEntry(line, string.Empty)
                : new MapEntry(line[..split], line[(split + 1)..].Trim()));
        }

        return entries;
    }

    /// <summary>Writes the whole map atomically. Every key and value passes the runtime allow-list first.</summary>
    public static async Task WriteAsync(string path, IEnumerable<MapEntry> entries, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder("# Written by BlueGreen.Orleans; runtime changes are mirrored here so that reloads keep them.\n");
        foreach (var entry in entries)
        {
            text.Append(RuntimeArguments.Name(entry.Key, "key")).Append(' ').Append(RuntimeArguments.Name(entry.Value, "value")).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var full = Path.GetFullPath(path);

        // fsync has no asynchronous form: it blocks its thread for milliseconds. On a thread of its own it cannot hold
        // up the callers' thread pool (an Orleans silo switching 50 proxies at once would otherwise queue every other
        // proxy's Runtime API reply behind these writes), and parallel writes can share one journal commit.
        await Task.Factory.StartNew(() => WriteDurably(full, bytes), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

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

    /// <summary>Sets one key (replacing its value or appending it) with a read-modify-write under a per-file lock.</summary>
    public static Task SetEntryAsync(string path, string key, string value, CancellationToken cancellationToken = default) =>
        UpdateAsync(path, entries => Upsert(entries, key, value), cancellationToken);

    /// <summary>Removes every line of one key.</summary>
    public static Task RemoveEntryAsync(string path, string key, CancellationToken cancellationToken = default) =>
        UpdateAsync(path, entries => entries.RemoveAll(e => e.Key == key), cancellationToken);

    /// <summary>Sets a key in place (keeping the order of the file) and drops any duplicate lines of it.</summary>
    internal static void Upsert(List<MapEntry> entries, string key, string value)
    {
        var index = entries.FindIndex(e => e.Key == key);
        entries.RemoveAll(e => e.Key == key);
        entries.Insert(index >= 0 ? index : entries.Count, new MapEntry(key, value));
    }

    /// <summary>Runs a read-modify-write of the file under its lock and returns the entries as they were before.</summary>
    internal static async Task<IReadOnlyList<MapEntry>> UpdateAsync(string path, Action<List<MapEntry>> change, CancellationToken cancellationToken)
    {
        var gate = Locks.GetOrAdd(Path.GetFullPath(path), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var before = await ReadAsync(path, cancellationToken);
            var entries = before.ToList();
            change(entries);
            await WriteAsync(path, entries, cancellationToken);
            return before;
        }
        finally
        {
            gate.Release();
        }
    }
}
