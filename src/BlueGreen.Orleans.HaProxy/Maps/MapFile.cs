using System.Collections.Concurrent;
using System.Text;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Maps;

/// <summary>
/// Reads and atomically writes an HAProxy map file (one <c>key value</c> per line). HAProxy loads it at every start
/// and reload, so it must always hold the routes the runtime holds: a write goes to a temp file in the same folder,
/// is flushed to disk, then renamed over the old file (and the folder synced), so a reader sees the old file or the new
/// one, never half (<see cref="DurableFile"/>).
/// </summary>
public static class MapFile
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, WrittenFile> LastWritten = new(StringComparer.Ordinal);

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
    public static Task WriteAsync(string path, IEnumerable<MapEntry> entries, CancellationToken cancellationToken = default) =>
        WriteAsync(path, entries, WritePriority.Normal, cancellationToken);

    /// <inheritdoc cref="WriteAsync(string, IEnumerable{MapEntry}, CancellationToken)"/>
    public static async Task WriteAsync(string path, IEnumerable<MapEntry> entries, WritePriority priority, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder("# Written by BlueGreen.Orleans; runtime changes are mirrored here so that reloads keep them.\n");
        foreach (var entry in entries)
        {
            text.Append(RuntimeArguments.Name(entry.Key, "key")).Append(' ').Append(RuntimeArguments.Name(entry.Value, "value")).Append('\n');
        }

        await DurableFile.WriteAsync(path, Encoding.UTF8.GetBytes(text.ToString()), priority, cancellationToken);
    }

    /// <summary>Sets one key (replacing its value or appending it) with a read-modify-write under a per-file lock.</summary>
    public static Task SetEntryAsync(string path, string key, string value, CancellationToken cancellationToken = default) =>
        UpdateAsync(path, entries => Upsert(entries, key, value), cancellationToken);

    /// <summary>Removes every line of one key.</summary>
    public static Task RemoveEntryAsync(string path, string key, CancellationToken cancellationToken = default) =>
        UpdateAsync(path, entries => entries.RemoveAll(e => e.Key == key), cancellationToken);

    /// <summary>
    /// Sets or removes many keys in one read-modify-write (one atomic write, one fsync): a value sets its key as
    /// <see cref="SetEntryAsync"/> does, null removes every line of it. Lines of other keys stay as they are.
    /// </summary>
    public static Task ApplyAsync(string path, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default)
    {
        foreach (var (key, value) in changes)
        {
            // Checked before the file is touched: one bad entry writes none of them.
            RuntimeArguments.Name(key, "key");
            if (value is not null)
            {
                RuntimeArguments.Name(value, "value");
            }
        }

        return UpdateAsync(
            path,
            entries =>
            {
                foreach (var (key, value) in changes)
                {
                    if (value is null)
                    {
                        entries.RemoveAll(e => e.Key == key);
                    }
                    else
                    {
                        Upsert(entries, key, value);
                    }
                }
            },
            cancellationToken);
    }

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
        var fullPath = Path.GetFullPath(path);
        var gate = Locks.GetOrAdd(fullPath, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var before = Unchanged(fullPath) is { } written ? written : await ReadAsync(path, cancellationToken);
            var entries = before.ToList();
            change(entries);
            await WriteAsync(path, entries, cancellationToken);
            Remember(fullPath, entries);
            return before;
        }
        catch
        {
            LastWritten.TryRemove(fullPath, out _);
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The entries this process last wrote to the file, while the file is still the one it wrote (same size and
    /// modification time, to the nanosecond on ext4/xfs): a group commit then rewrites the file without reading and
    /// parsing it back first (a fifth of a silo's CPU while registering 1,000 services). Anything else that wrote the
    /// file since changes its time, and the file is read again.
    /// </summary>
    private static IReadOnlyList<MapEntry>? Unchanged(string fullPath)
    {
        if (!LastWritten.TryGetValue(fullPath, out var written))
        {
            return null;
        }

        var info = new FileInfo(fullPath);
        return info.Exists && info.Length == written.Length && info.LastWriteTimeUtc == written.ModifiedUtc ? written.Entries : null;
    }

    private static void Remember(string fullPath, List<MapEntry> entries)
    {
        var info = new FileInfo(fullPath);
        if (info.Exists)
        {
            LastWritten[fullPath] = new WrittenFile(info.Length, info.LastWriteTimeUtc, entries);
        }
    }

    private sealed record WrittenFile(long Length, DateTime ModifiedUtc, IReadOnlyList<MapEntry> Entries);
}
