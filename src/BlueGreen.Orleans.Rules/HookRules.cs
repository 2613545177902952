using System.Globalization;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Rules;

/// <summary>
/// The one copy of the webhook rules (a service spec's <c>hooks</c> and <c>hook_secret</c>), used by the CLI, the gateway
/// and the grains, each problem in words naming its field.
/// </summary>
public static partial class HookRules
{
    public const string BeforeSwitch = "before_switch";
    public const string AfterSwitch = "after_switch";
    public const string AfterDrain = "after_drain";
    public const string OnFailure = "on_failure";

    /// <summary>A service's hooks, all events together: each is called in parallel with the others of its event.</summary>
    public const int MaxHooks = 8;

    /// <summary>Retries after the first attempt: with the 30 s timeout, a before-switch hook holds a deployment 3 minutes at most.</summary>
    public const int MaxRetries = 5;

    public const int DefaultRetries = 2;

    /// <summary>Long enough for a URL with a query, short enough to show on one line.</summary>
    public const int MaxUrlLength = 2048;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The events, in the order a deployment meets them.</summary>
    public static IReadOnlyList<string> Events { get; } = [BeforeSwitch, AfterSwitch, AfterDrain, OnFailure];

    /// <summary>The name of the file holding the service's HMAC key in the server's hook secrets folder: a name, never a path.</summary>
    public static TextRule SecretName { get; } = new(SecretNamePattern(), "1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit");

    public static string TimeoutDescription => string.Create(CultureInfo.InvariantCulture, $"more than 0 and at most {MaxTimeout.TotalSeconds:0} s");

    public static bool IsValidTimeout(TimeSpan value) => value > TimeSpan.Zero && value <= MaxTimeout;

    /// <summary>
    /// Why <paramref name="url"/> cannot be a hook's URL, or null: an absolute http or https URL with a host, no user
    /// information (a password in a URL ends up in logs and listings), no control characters or spaces, no fragment.
    /// </summary>
    public static string? UrlProblem(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return "is required: an absolute http:// or https:// URL";
        }

        if (url.Length > MaxUrlLength)
        {
            return $"must be at most {MaxUrlLength} characters";
        }

        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c > '~' || c == '\\'))
        {
            return "must be printable ASCII without spaces or control characters (percent-encode the rest)";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !url.StartsWith(uri.Scheme + "://", StringComparison.Ordinal))
        {
            return "must be an absolute http:// or https:// URL";
        }

        // Also a raw '@' before the path: Uri may read some spellings of it otherwise.
        var authority = url.AsSpan(uri.Scheme.Length + 3);
        if (uri.UserInfo.Length > 0 || authority[..HostEnd(authority)].Contains('@'))
        {
            return "must not hold user information (user:password@): the request is signed with the service's hook secret instead";
        }

        if (uri.Host.Length == 0)
        {
            return "must name a host";
        }

        return url.Contains('#', StringComparison.Ordinal) ? "must not hold a fragment (#...)" : null;
    }

    /// <summary>Where the authority ends: the first '/', '?' or '#'.</summary>
    private static int HostEnd(ReadOnlySpan<char> authority)
    {
        var end = authority.IndexOfAny('/', '?', '#');
        return end < 0 ? authority.Length : end;
    }

    /// <summary>Every problem of one hook, each naming its field (<paramref name="field"/> is e.g. <c>hooks[0]</c>).</summary>
    public static IReadOnlyList<string> Problems(string field, string? @event, string? url, TimeSpan timeout, int retries)
    {
        var problems = new List<string>();
        if (@event is null || !Events.Contains(@event, StringComparer.Ordinal))
        {
            problems.Add($"{field}.event: '{Printable(@event)}' must be one of {string.Join(", ", Events)}.");
        }

        if (UrlProblem(url) is { } urlProblem)
        {
            problems.Add($"{field}.url: {urlProblem}.");
        }

        if (!IsValidTimeout(timeout))
        {
            problems.Add($"{field}.timeout: must be {TimeoutDescription}.");
        }

        if (retries is < 0 or > MaxRetries)
        {
            problems.Add($"{field}.retries: {retries} must be between 0 and {MaxRetries}.");
        }

        return problems;
    }

    /// <summary>A value safe to quote in a one-line error: control characters as '?', cut at 64 characters.</summary>
    private static string Printable(string? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        var cut = value.Length > 64 ? value[..64] + "…" : value;
        return new string([.. cut.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SecretNamePattern();
}
