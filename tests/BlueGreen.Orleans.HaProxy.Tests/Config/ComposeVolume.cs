namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>One short-syntax mount of a compose service: <c>source:target[:ro]</c>.</summary>
internal sealed record ComposeVolume(string Source, string Target, bool ReadOnly)
{
    /// <summary>A named volume (declared under <c>volumes:</c>), not a bind mount of a host path.</summary>
    public bool IsNamed => !Source.StartsWith('/') && !Source.StartsWith('.') && !Source.StartsWith('~');

    public static ComposeVolume Parse(string mount)
    {
        var parts = mount.Split(':');
        Assert.True(parts.Length is 2 or 3, $"'{mount}' is not source:target[:mode]");
        return new ComposeVolume(parts[0], parts[1], parts.Length == 3 && parts[2].Split(',').Contains("ro"));
    }
}
