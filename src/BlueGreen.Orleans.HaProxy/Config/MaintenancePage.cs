using System.Buffers.Text;
using System.Text;

namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>
/// A service's maintenance mode in HAProxy terms. Its route key points at <see cref="Backend"/>, shared by every service,
/// which the rendered configuration makes answer 503 with a text/plain page. The page's message is a value in the routes
/// map under <see cref="MessageKey"/> of the route key the request was routed by (the frontend keeps it in
/// <c>txn.route</c>), base64url-encoded (the alphabet the Runtime API allow-list passes, so text never reaches a CLI
/// command raw) and decoded by HAProxy (<c>ub64dec</c>) per request; a missing key gives <see cref="DefaultMessage"/>.
/// Kept in the map like any route, so the message survives reloads as the routes do.
/// </summary>
public static class MaintenancePage
{
    /// <summary>What the page says when no message was given.</summary>
    public const string DefaultMessage = "This service is down for maintenance. Please try again later.";

    /// <summary>The backend a service's route key points at while it is in maintenance.</summary>
    public const string Backend = BackendNames.Maintenance;

    /// <summary>
    /// The routes-map key holding the message of the service routed by <paramref name="routeKey"/>:
    /// <c>/Maintenance/&lt;route key&gt;</c>. The capital M: the frontend looks the Host up lower-cased, so no request
    /// is routed by this key (it would take the message for a backend name). Route keys may hold <c>/</c>, so the service
    /// claims the key as it claims its route key.
    /// </summary>
    public static string MessageKey(string routeKey) => MessageKeyPrefix + routeKey;

    /// <summary>The prefix of <see cref="MessageKey"/>, which the rendered configuration puts before <c>txn.route</c>.</summary>
    public const string MessageKeyPrefix = "/Maintenance/";

    /// <summary>The map value for <paramref name="message"/>: its UTF-8 bytes in base64url without padding.</summary>
    public static string Encode(string message) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(message));
}
