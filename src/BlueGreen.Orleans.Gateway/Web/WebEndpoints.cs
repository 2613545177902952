using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BlueGreen.Orleans.Gateway.Web;

/// <summary>
/// The web view: its page and files (public: they hold no data; every data call the page makes needs a token, in the
/// Authorization header, never in a URL) and the deployment watch as server-sent events.
/// </summary>
public static class WebEndpoints
{
    /// <summary>Where the page's files are served; the page itself is <c>/</c>.</summary>
    public const string AssetPath = "/web/";

    /// <summary>
    /// Only the page's own files and calls to this origin; no inline script or style, no framing, no forms posted
    /// elsewhere: a value that slipped into the page could not run or send anything.
    /// </summary>
    public const string ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

    public static IEndpointRouteBuilder MapBlueGreenWeb(this IEndpointRouteBuilder app)
    {
        foreach (var asset in WebAssets.Load())
        {
            app.MapGet(AssetPath + asset.Path, (HttpContext http) => ServeAsync(http, asset)).ExcludeFromDescription();
            if (asset.Path == "index.html")
            {
                app.MapGet("/", (HttpContext http) => ServeAsync(http, asset)).ExcludeFromDescription();
            }
        }

        app.MapDeploymentEvents();
        return app;
    }

    private static async Task ServeAsync(HttpContext http, WebAsset asset)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // Small files of this server's own version: always asked again, so an upgraded server is never shown stale.
        headers.CacheControl = "no-cache";
        http.Response.ContentType = asset.ContentType;
        http.Response.ContentLength = asset.Content.Length;
        await http.Response.Body.WriteAsync(asset.Content, http.RequestAborted);
    }
}
