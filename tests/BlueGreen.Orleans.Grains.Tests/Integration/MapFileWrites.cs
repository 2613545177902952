using System.Collections.Concurrent;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// Counts the atomic writes of one map file from outside the process that writes it: each write creates its own temp
/// file beside the map (<c>.hosts.map.&lt;guid&gt;.tmp</c>, renamed over it), and the folder's inotify events name it.
/// </summary>
internal sealed class MapFileWrites : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly ConcurrentDictionary<string, bool> _temps = new(StringComparer.Ordinal);
    private readonly string _folder;
    private readonly string _prefix;
    private readonly string _marker;
    private readonly TaskCompletionSource _markerSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _error;

    public MapFileWrites(string mapFile)
    {
        _folder = Path.GetDirectoryName(Path.GetFullPath(mapFile))!;
        _prefix = $".{Path.GetFileName(mapFile)}.";
        _marker = $"marker-{Guid.NewGuid():N}";
        _watcher = new FileSystemWatcher(_folder) { InternalBufferSize = 64 * 1024 };
        _watcher.Created += (_, e) =>
        {
            if (e.Name == _marker)
            {
                _markerSeen.TrySetResult();
            }
            else if (e.Name is { } name && name.StartsWith(_prefix, StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                _temps.TryAdd(name, true);
            }
        };
        _watcher.Error += (_, e) => _error = e.GetException();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>
    /// The writes seen so far. A marker file created now is seen after every earlier event (one inotify queue, in
    /// order), so no write made before this call is still on its way.
    /// </summary>
    public async Task<int> CountAsync()
    {
        var marker = Path.Combine(_folder, _marker);
        await File.WriteAllTextAsync(marker, string.Empty);
        try
        {
            await _markerSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            File.Delete(marker);
        }

        return _error is null ? _temps.Count : throw new InvalidOperationException("the folder's events overflowed: writes were not all seen", _error);
    }

    public void Dispose() => _watcher.Dispose();
}
