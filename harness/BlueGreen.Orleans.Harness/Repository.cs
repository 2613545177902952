namespace BlueGreen.Orleans.Harness;

/// <summary>The checkout the running tests, bench or demo were built from.</summary>
public static class Repository
{
    /// <summary>The folder holding BlueGreen.Orleans.sln, above the running assembly.</summary>
    public static string Root { get; } = Find(AppContext.BaseDirectory);

    private static string Find(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlueGreen.Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No BlueGreen.Orleans.sln above {from}.");
    }
}
