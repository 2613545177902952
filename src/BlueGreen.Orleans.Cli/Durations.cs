using System.Globalization;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Cli;

/// <summary>Durations on the command line and in spec files: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or <c>hh:mm:ss</c>.</summary>
internal static partial class Durations
{
    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>ms|s|m|h)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Short();

    public static TimeSpan Parse(string text, string option)
    {
        var match = Short().Match(text.Trim());
        if (match.Success)
        {
            var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            var value = match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromHours(n),
            };
            return Check(value, option, text);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)
            ? Check(span, option, text)
            : throw new CliException($"{option}: '{text}' is not a duration (use 500ms, 30s, 2m, 1h or hh:mm:ss).");
    }

    private static TimeSpan Check(TimeSpan value, string option, string text) =>
        value < TimeSpan.Zero || value > TimeSpan.FromHours(24)
            ? throw new CliException($"{option}: '{text}' must be between 0 and 24h.")
            : value;
}
