using System.Globalization;

namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>
/// A canary release's weight split in HAProxy terms. While a canary runs, the routes map holds
/// <c>&lt;weight&gt;:&lt;target backend&gt;</c> under <see cref="Key"/> of the service's route key; the rendered frontend
/// sends a request for that route key to the target backend with that probability (in percent), and to the live route
/// otherwise. A client without a valid <see cref="Cookie"/> is drawn once and gets the cookie naming the backend it drew;
/// a cookie naming exactly the canary's target or the live backend keeps it there for the canary's duration; any other
/// cookie value is ignored (a client can never pick a backend by naming it). Kept in the map like any route, so a
/// reload keeps the split; the entry is removed at the switch (100 %) or when the canary is rolled back.
/// </summary>
public static class CanaryRoute
{
    /// <summary>The cookie that keeps a client on the colour it drew: its value is a backend name.</summary>
    public const string Cookie = "bluegreen-canary";

    /// <summary>
    /// An empty backend every config rendered with the canary rules has: a proxy without it would send every request to
    /// the live colour whatever the weight, so a canary release is refused there, naming it.
    /// </summary>
    public const string MarkerBackend = "bluegreen_canary";

    /// <summary>What the frontend puts before <c>txn.route</c> to look the split up.</summary>
    public const string KeyPrefix = "/Canary/";

    /// <summary>The smallest weight a canary step may send to the target, in percent.</summary>
    public const int MinWeight = 1;

    /// <summary>The largest weight of a split; 100 is the switch itself, not a split.</summary>
    public const int MaxWeight = 99;

    /// <summary>
    /// The routes-map key of a route key's split: <c>/Canary/&lt;route key&gt;</c>. The capital C: the live route looks
    /// the Host up lower-cased, so no request is routed by this key; the service claims it in the catalog too.
    /// </summary>
    public static string Key(string routeKey) => KeyPrefix + routeKey;

    /// <summary>The map value of a split: <c>&lt;weight&gt;:&lt;backend&gt;</c>, e.g. <c>10:shop_green</c>.</summary>
    public static string Value(int weight, string backend)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, MinWeight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, MaxWeight);
        return string.Create(CultureInfo.InvariantCulture, $"{weight}:{backend}");
    }
}
