using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Cli;

/// <summary>The same allow-lists the server applies, checked here first for a quick, clear error.</summary>
internal static partial class Names
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Service();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Proxy();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Version();

    public static string CheckService(string value) =>
        Service().IsMatch(value) ? value : throw new CliException($"service '{Printable(value)}': use 1-63 characters of a-z 0-9 -, starting with a letter or digit.");

    public static string CheckProxy(string value) =>
        Proxy().IsMatch(value) ? value : throw new CliException($"proxy id '{Printable(value)}': use 1-128 characters of A-Z a-z 0-9 . _ : -.");

    public static string CheckVersion(string value) =>
        Version().IsMatch(value) ? value : throw new CliException($"--version '{Printable(value)}': use 1-128 characters of A-Z a-z 0-9 . _ + -, starting with a letter or digit.");

    /// <summary>Echoes a refused value without letting its control characters act on the terminal.</summary>
    public static string Printable(string value, int max = 64)
    {
        var shown = new string(value.Take(max).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > max ? shown + "…" : shown;
    }
}
