using System.Globalization;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>The summary <c>hey</c> prints: its status code distribution, error distribution and latency percentiles.</summary>
internal sealed partial record HeyOutput(
    IReadOnlyDictionary<int, long> StatusCodes,
    IReadOnlyDictionary<string, long> Errors,
    double TotalSeconds,
    double P50Ms,
    double P99Ms)
{
    /// <summary>Every request hey made: each ends in a status code or in an error.</summary>
    public long Sent => StatusCodes.Values.Sum() + Errors.Values.Sum();

    /// <summary>Requests that did not end in 200.</summary>
    public long Failed => Sent - StatusCodes.GetValueOrDefault(200);

    public static HeyOutput Parse(string text)
    {
        var total = Total().Match(text);
        if (!total.Success)
        {
            throw new FormatException($"hey printed no summary:\n{text}");
        }

        var statusCodes = new Dictionary<int, long>();
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        var percentiles = new Dictionary<int, double>();
        string? section = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                section = line.Trim();
                continue;
            }

            switch (section)
            {
                case "Status code distribution:" when Counted().Match(line) is { Success: true } m:
                    // "[200]	1000 responses": the code in the brackets, the count after them.
                    statusCodes[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = long.Parse(m.Groups[2].Value.Split(' ')[0], CultureInfo.InvariantCulture);
                    break;
                // "[20]	Get "http://…": dial tcp …": the count in the brackets, the error after them.
                case "Error distribution:" when Counted().Match(line) is { Success: true } m:
                    errors[m.Groups[2].Value.Trim()] = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    break;
                case "Latency distribution:" when Percentile().Match(line) is { Success: true } m:
                    percentiles[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) * 1000;
                    break;
            }
        }

        return new HeyOutput(
            statusCodes,
            errors,
            double.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture),
            percentiles.GetValueOrDefault(50, double.NaN),
            percentiles.GetValueOrDefault(99, double.NaN));
    }

    [GeneratedRegex(@"^\s*Total:\s+([0-9.]+) secs", RegexOptions.Multiline)]
    private static partial Regex Total();

    [GeneratedRegex(@"^\s+\[(\d+)\]\s+(.+)$")]
    private static partial Regex Counted();

    [GeneratedRegex(@"^\s+(\d+)% in ([0-9.]+) secs")]
    private static partial Regex Percentile();
}
