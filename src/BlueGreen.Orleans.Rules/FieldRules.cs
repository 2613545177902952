using System.Text;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Rules;

/// <summary>
/// Every rule a field of the API must pass, in one place. The CLI checks them for a quick local error, the gateway at
/// the edge, the grains again before anything is stored or sent. The adapters keep their own allow-lists as the last,
/// independent line (HAProxy's <c>RuntimeArguments</c>, the instance runtimes' name check); these rules are at least as
/// strict as those (tested). Patterns end with <c>\z</c>, not <c>$</c>: in .NET <c>$</c> also matches before a final
/// line break.
/// </summary>
public static partial class FieldRules
{
    /// <summary>The longest colour name, with the two dashes around it in an instance name: <c>-green-</c>.</summary>
    private const int ColourInInstanceName = 7;

    /// <summary>A service name becomes backend names (<c>&lt;name&gt;_blue</c>) and instance names: DNS-label-like.</summary>
    public static TextRule ServiceName { get; } = new(ServiceNamePattern(), "1-63 characters of a-z 0-9 -, starting with a letter or digit");

    /// <summary>A proxy id is a grain key and a command-line argument; never a path, so no <c>/</c>.</summary>
    public static TextRule ProxyId { get; } = new(ProxyIdPattern(), "1-128 characters of A-Z a-z 0-9 . _ : -");

    /// <summary>Versions end up in image tags, arguments and environment values: plain.</summary>
    public static TextRule Version { get; } = new(VersionPattern(), "1-128 characters of A-Z a-z 0-9 . _ + -, starting with a letter or digit");

    /// <summary>
    /// The prefixes of the routes-map keys the frontend builds from a request's route key (HaProxy.Config's PreviewRoute,
    /// CanaryRoute and MaintenancePage; a test holds them equal).
    /// </summary>
    public static IReadOnlyList<string> ReservedRouteKeyPrefixes { get; } = ["/Preview/", "/Canary/", "/Maintenance/"];

    /// <summary>
    /// The map key HAProxy routes by (a Host header, with a port if need be): a Runtime API argument. Never one of the
    /// keys the rendered frontend reads for another service's preview, canary split or maintenance message
    /// (<see cref="ReservedRouteKeyPrefixes"/>): a service routed by <c>/Canary/shop.local</c> would set shop's split.
    /// </summary>
    public static TextRule RouteKey { get; } = new(
        RouteKeyPattern(),
        "1-128 characters of A-Z a-z 0-9 . _ : / -, not starting with /Preview/, /Canary/ or /Maintenance/",
        key => !ReservedRouteKeyPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)));

    /// <summary>
    /// A server of a colour's backend. <c>&lt;service&gt;-&lt;colour&gt;-&lt;server&gt;</c> names its instance, which
    /// must pass <see cref="InstanceName"/>: 63 + 7 + 58 = 128, so every valid service and server make a valid instance.
    /// </summary>
    public static TextRule ServerName { get; } = new(ServerNamePattern(), $"1-{MaxServerNameLength} characters of A-Z a-z 0-9 . _ -, starting with a letter or digit");

    /// <summary>An instance name: a container name and a file name of the process runtime.</summary>
    public static TextRule InstanceName { get; } = new(InstanceNamePattern(), "1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit");

    /// <summary>
    /// A maintenance page's message. It reaches HAProxy as a map value (base64url, at most 128 characters, so at most 96
    /// bytes of UTF-8) and is served as text/plain; still only letters, digits, spaces and plain punctuation: no control
    /// characters, and none of <c>; \ &lt; &gt; " `</c>, which mean something to a shell, HAProxy's CLI or HTML.
    /// </summary>
    public static TextRule MaintenanceMessage { get; } = new(
        MaintenanceMessagePattern(),
        $"1-{MaxMaintenanceMessageBytes} bytes (UTF-8) of letters, digits, spaces and . , : ! ? ' ( ) @ # + = & / _ % * -",
        m => Encoding.UTF8.GetByteCount(m) <= MaxMaintenanceMessageBytes);

    /// <summary>96 bytes make 128 base64url characters, the longest map value the Runtime API allow-list passes.</summary>
    public const int MaxMaintenanceMessageBytes = 96;

    public static DurationRule HealthTimeout => DurationRule.Positive;

    public static DurationRule DrainTimeout => DurationRule.ZeroOrMore;

    public static DurationRule KeepWarm => DurationRule.ZeroOrMore;

    public static DurationRule VerifyWindow => DurationRule.ZeroOrMore;

    public static DurationRule StopTimeout => DurationRule.Positive;

    /// <summary>The verify step's response-time limit; zero: not judged.</summary>
    public static DurationRule MaxResponseTime => DurationRule.ZeroOrMore;

    /// <summary>How long a held release waits before it approves itself (release --auto-approve-after).</summary>
    public static DurationRule AutoApproveAfter => DurationRule.Positive;

    /// <summary>128 − 63 (service) − 7 (<c>-green-</c>).</summary>
    public const int MaxServerNameLength = 128 - 63 - ColourInInstanceName;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceNamePattern();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ProxyIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[A-Za-z0-9._:/-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RouteKeyPattern();

    // Characters here; the limit in bytes is the rule's second check (a letter can take up to 3 bytes).
    [GeneratedRegex("^[\\p{L}\\p{N} .,:!?'()@#+=&/_%*-]{1,96}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex MaintenanceMessagePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,57}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServerNamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex InstanceNamePattern();
}
