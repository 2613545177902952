using System.Buffers.Text;
using System.Text;

namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>
/// A service's maintenance mode in HAProxy terms. Its route key points at <see cref="Backend"/>, which the rendered
/// configuration makes answer 503 with a text/plain page. The page's message is a value in the routes map under
/// <see cref="MessageKey"/>, base64url-encoded (the alphabet the Runtime API allow-list passes, so text never reaches a
/// CLI command raw) and decoded by HAProxy (<c>ub64dec</c>) per request; a missing key gives <see cref="DefaultMessage"/>.
/// Kept in the map like any route, so the message survives reloads as the routes do.
/// </summary>
public static class MaintenancePage
{
    /// <summary>What the page says when no message was given.</summary>
    public const string DefaultMessage = "This service is down for maintenance. Please try again later.";

    /// <summary>The backend that answers a service's route key while it is in maintenance: <c>&lt;service&gt;_maintenance</c>.</summary>
    public static string Backend(string service) => $"{service}_maintenance";

    /// <summary>
    /// The routes-map key holding a service's message: <c>/maintenance/&lt;service&gt;</c>. A Host header has no <c>/</c>,
    /// so no client request routes by it (one that tried would name no backend and get the no-route answer).
    /// </summary>
    public static string MessageKey(string service) => $"/maintenance/{service}";

    /// <summary>The map value for <paramref name="message"/>: its UTF-8 bytes in base64url without padding.</summary>
    public static string Encode(string message) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(message));
}
