using System.Globalization;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Cli;

/// <summary>Durations on the command line and in spec files: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or <c>hh:mm:ss</c>.</summary>
internal static partial class Durations
{
    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>ms|s|m|h)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Short();

    /// <summary>Parses <paramref name="text"/> and checks it against <paramref name="rule"/> (by default 0 to 24 h).</summary>
    public static TimeSpan Parse(string text, string option, DurationRule? rule = null)
    {
        rule ??= DurationRule.ZeroOrMore;
        // Exactly one of the forms above: TimeSpan.TryParse would also take surrounding whitespace and line breaks.
        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw NotADuration(text, option);
        }

        var match = Short().Match(text);
        if (match.Success)
        {
            var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            try
            {
                var value = match.Groups["unit"].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    _ => TimeSpan.FromHours(n),
                };
                return Check(value, option, text, rule);
            }
            catch (OverflowException)
            {
                // More than TimeSpan holds (e.g. 99999999999999h): out of range like any other value above 24h.
                return Check(TimeSpan.MaxValue, option, text, rule);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)
            ? Check(span, option, text, rule)
            : throw NotADuration(text, option);
    }

    private static CliException NotADuration(string text, string option) =>
        new($"{option}: '{Names.Printable(text)}' is not a duration (use 500ms, 30s, 2m, 1h or hh:mm:ss).");

    private static TimeSpan Check(TimeSpan value, string option, string text, DurationRule rule) =>
        rule.IsValid(value) ? value : throw new CliException($"{option}: '{Names.Printable(text)}' must be {rule.Description}.");
}
