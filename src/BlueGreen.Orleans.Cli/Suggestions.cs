namespace BlueGreen.Orleans.Cli;

/// <summary>"Did you mean": the known names closest to a mistyped one (edit distance, a swap of two letters is one edit).</summary>
internal static class Suggestions
{
    /// <summary>Longer input is not a typo of a name; it is not compared (and a hostile 10 KB value costs nothing).</summary>
    private const int MaxLength = 64;

    /// <summary>Up to <paramref name="max"/> names within a third of the typed length (at least one edit), closest first.</summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> known, int max = 3)
    {
        if (typed.Length is 0 or > MaxLength)
        {
            return [];
        }

        var limit = Math.Max(1, typed.Length / 3);
        var lower = typed.ToLowerInvariant();
        return [.. known
            .Where(name => name.Length <= MaxLength && !string.Equals(name, typed, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Distance: Distance(lower, name.ToLowerInvariant())))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Name)];
    }

    /// <summary><c> Did you mean 'a'?</c> or <c> Did you mean 'a', 'b' or 'c'?</c>, or empty when nothing is close.</summary>
    public static string DidYouMean(string typed, IEnumerable<string> known)
    {
        var closest = Closest(typed, known).Select(n => $"'{Names.Printable(n)}'").ToList();
        return closest.Count switch
        {
            0 => string.Empty,
            1 => $" Did you mean {closest[0]}?",
            _ => $" Did you mean {string.Join(", ", closest[..^1])} or {closest[^1]}?",
        };
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
