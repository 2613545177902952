namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>
/// A held release's preview in HAProxy terms. While a release is held, the routes map holds the target backend under
/// <see cref="Key"/> of the service's route key; the rendered frontend sends a request there when its Host is that
/// route key and it names the service in the <see cref="Header"/> header or the <see cref="Cookie"/> cookie. Any other
/// request (no header, another service's name, another Host) keeps the live route. Kept in the map like any route, so
/// a reload keeps the preview.
/// </summary>
public static class PreviewRoute
{
    /// <summary>The request header that asks for the preview: its value is the service's name.</summary>
    public const string Header = "X-BlueGreen-Preview";

    /// <summary>The cookie that asks for the preview: its value is the service's name.</summary>
    public const string Cookie = "bluegreen-preview";

    /// <summary>
    /// An empty backend every config rendered with the preview rules has: a proxy without it (a config rendered before
    /// preview) would never send a preview request to the target, so a held release is refused there, naming it.
    /// </summary>
    public const string MarkerBackend = "bluegreen_preview";

    /// <summary>What the frontend puts before the lower-cased Host to look its preview up.</summary>
    public const string KeyPrefix = "/Preview/";

    /// <summary>
    /// The routes-map key of a route key's preview: <c>/Preview/&lt;route key&gt;</c>. The capital P matters: the live
    /// route looks the Host up lower-cased, so no Host (not even <c>/preview/…</c>) can reach the target backend through
    /// the live route by naming this key. The service claims the key in the catalog too, as maintenance does its own.
    /// </summary>
    public static string Key(string routeKey) => KeyPrefix + routeKey;
}
