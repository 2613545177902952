using System.Reflection;

namespace BlueGreen.Orleans.Gateway.Web;

/// <summary>
/// The web view's files, embedded in the Gateway assembly (<c>Web/wwwroot</c>, no build step, nothing fetched from
/// anywhere): a fixed list known when the endpoints are mapped, so no request path ever names a file.
/// </summary>
internal static class WebAssets
{
    private const string Prefix = "web/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static IReadOnlyList<WebAsset> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var assets = new List<WebAsset>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = name[Prefix.Length..];
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file))
                ?? throw new InvalidOperationException($"The web view's file {file} has no known content type.");
            assets.Add(new WebAsset(file, type, Read(assembly, name)));
        }

        return assets.Count > 0 ? assets : throw new InvalidOperationException("The Gateway assembly holds no web view files.");
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
