namespace BlueGreen.Orleans.Grains.Hooks;

/// <summary>The server's side of hooks (<c>BlueGreen:Hooks</c>).</summary>
public sealed class HookOptions
{
    /// <summary>The folder of hook secrets, one file each, named by specs' <c>hook_secret</c>; null: no spec may have hooks.</summary>
    public string? SecretsFolder { get; set; }

    /// <summary>
    /// Where hooks may be sent: host names or addresses (<c>ci.example.com</c>, <c>127.0.0.1</c>, <c>[::1]</c>), each with a
    /// port when only that port may be called (<c>ci.example.com:8443</c>); compared with the URL's host, case-insensitively.
    /// Empty: no spec may have hooks. An admin token reaches no other host from the server (no blind requests to the
    /// server's own network or a cloud metadata address).
    /// </summary>
    public IList<string> AllowedHosts { get; set; } = [];

    /// <summary>The delay before a hook's first retry; each next one doubles it (with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether <paramref name="url"/>'s host (and port) is one of <see cref="AllowedHosts"/>.</summary>
    public bool Allows(Uri url) => AllowedHosts.Any(allowed =>
        string.Equals(allowed, url.Host, StringComparison.OrdinalIgnoreCase)
        || string.Equals(allowed, url.Authority, StringComparison.OrdinalIgnoreCase)
        || string.Equals(allowed, $"{url.Host}:{url.Port}", StringComparison.OrdinalIgnoreCase));
}
