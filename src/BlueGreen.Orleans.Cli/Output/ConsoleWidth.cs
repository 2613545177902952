using System.Globalization;

namespace BlueGreen.Orleans.Cli.Output;

/// <summary>
/// How wide output may be. A terminal has its own width (Spectre reads it); a pipe or a file has none, and Spectre's
/// 80 columns cut tables there: <c>COLUMNS</c> when set, else wide enough for every table of this CLI.
/// </summary>
public static class ConsoleWidth
{
    /// <summary>Without a terminal or COLUMNS: no table of this CLI wraps a header at this width.</summary>
    public const int Default = 200;

    /// <summary>The width to set, or null to keep the terminal's.</summary>
    public static int? Choose(bool isTerminal, string? columns) =>
        isTerminal ? null
        : int.TryParse(columns, NumberStyles.None, CultureInfo.InvariantCulture, out var width) && width is >= 10 and <= 10_000 ? width
        : Default;
}
