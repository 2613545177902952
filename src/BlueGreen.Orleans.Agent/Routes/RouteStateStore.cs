using System.Text.Json;
using BlueGreen.Orleans.HaProxy.Maps;

namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>
/// The last desired routes on the agent's own disk (<c>&lt;state-dir&gt;/routes.json</c>), so that a restarted agent,
/// or one whose HAProxy restarted while the control plane is down, re-applies them with no round trip. Written like a
/// map file (temp file, fsync, rename, folder fsync): after kill -9 or a power loss it holds the old version or the
/// new one, never half of one.
/// </summary>
internal sealed class RouteStateStore(string stateDirectory, TimeProvider time)
{
    public const string FileName = "routes.json";

    /// <summary>A state file larger than this is not one the agent wrote (10,000 routes are ~3 MB).</summary>
    private const long MaxBytes = 8 * 1024 * 1024;

    public string FilePath { get; } = Path.Combine(stateDirectory, FileName);

    /// <summary>The held routes, or null when there is no state file yet. Throws <see cref="InvalidDataException"/> when it is unreadable.</summary>
    public async Task<DesiredRoutes?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        if (new FileInfo(FilePath).Length > MaxBytes)
        {
            throw new InvalidDataException($"{FilePath} is over {MaxBytes} bytes.");
        }

        RouteStateDocument? document;
        try
        {
            await using var stream = File.OpenRead(FilePath);
            document = await JsonSerializer.DeserializeAsync(stream, RouteStateJson.Default.RouteStateDocument, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{FilePath} is not a state file: {e.Message}", e);
        }

        if (document is null || document.Format != RouteStateDocument.CurrentFormat)
        {
            throw new InvalidDataException($"{FilePath} has an unknown format.");
        }

        var routes = new DesiredRoutes(document.Version, new Dictionary<string, string>(document.Routes, StringComparer.Ordinal));
        return DesiredRoutesValidator.FirstError(routes) is { } error ? throw new InvalidDataException($"{FilePath}: {error}") : routes;
    }

    public Task SaveAsync(DesiredRoutes routes, CancellationToken cancellationToken) => SaveAsync(routes, WritePriority.Normal, cancellationToken);

    public Task SaveAsync(DesiredRoutes routes, WritePriority priority, CancellationToken cancellationToken)
    {
        var document = new RouteStateDocument
        {
            Version = routes.Version,
            Routes = new Dictionary<string, string>(routes.Routes.OrderBy(r => r.Key, StringComparer.Ordinal), StringComparer.Ordinal),
            WrittenAt = time.GetUtcNow(),
        };
        return DurableFile.WriteAsync(FilePath, JsonSerializer.SerializeToUtf8Bytes(document, RouteStateJson.Default.RouteStateDocument), priority, cancellationToken);
    }
}
