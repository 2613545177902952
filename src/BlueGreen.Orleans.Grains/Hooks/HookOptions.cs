namespace BlueGreen.Orleans.Grains.Hooks;

/// <summary>The server's side of hooks (<c>BlueGreen:Hooks</c>).</summary>
public sealed class HookOptions
{
    /// <summary>The folder of hook secrets, one file each, named by specs' <c>hook_secret</c>; null: specs may have no hooks.</summary>
    public string? SecretsFolder { get; set; }

    /// <summary>The delay before a hook's first retry; each next one doubles it (with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
