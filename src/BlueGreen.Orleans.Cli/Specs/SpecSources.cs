namespace BlueGreen.Orleans.Cli.Specs;

/// <summary>
/// The spec files <c>service apply -f</c> names: each value a file, or a folder standing for the <c>.yaml</c>,
/// <c>.yml</c> and <c>.json</c> files directly in it (not below), in name order. A folder without one is refused, as is a
/// file named twice, and more than <see cref="MaxFiles"/> in all.
/// </summary>
internal static class SpecSources
{
    /// <summary>A fleet of a few thousand services fits; a typo such as <c>-f /</c> with thousands of files does not run on.</summary>
    public const int MaxFiles = 10_000;

    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static IReadOnlyList<string> Expand(IReadOnlyList<string> values)
    {
        var files = new List<string>();
        foreach (var value in values)
        {
            if (Directory.Exists(value))
            {
                var found = Directory.EnumerateFiles(value)
                    .Where(f => Extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                    .Order(StringComparer.Ordinal)
                    .Take(MaxFiles + 1)
                    .ToList();
                if (found.Count == 0)
                {
                    throw new CliException($"-f: the folder '{Names.Printable(value)}' holds no .yaml, .yml or .json spec.");
                }

                files.AddRange(found);
            }
            else
            {
                files.Add(value);
            }

            if (files.Count > MaxFiles)
            {
                throw new CliException($"-f: more than {MaxFiles} spec files; apply them in parts.");
            }
        }

        // One path is left to SpecFile, which refuses what is not a readable spec (empty, NUL, missing) in its words.
        if (files.Count > 1 && files.GroupBy(FullPath, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new CliException($"-f: '{Names.Printable(twice.First())}' is named twice.");
        }

        return files;
    }

    /// <summary>The path made absolute, or as given when it cannot be (empty, a NUL): SpecFile refuses it then.</summary>
    private static string FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (ArgumentException)
        {
            return path;
        }
    }
}
