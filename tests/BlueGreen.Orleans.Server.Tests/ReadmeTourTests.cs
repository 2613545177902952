using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The README's "Install" and "Try it on one host" sections, run exactly as printed: every ```bash block of the two, in
/// order, in one bash with errexit and pipefail, from the checkout, with a fresh home folder. The tour installs the
/// commands, starts haproxy and the server, releases, rolls back and stops what it started; whatever it leaves running
/// (its instances, or everything after a failure) is killed here by the pids its own files name.
/// </summary>
[Collection(ReadmePorts.Name)]
public sealed class ReadmeTourTests
{
    [Fact]
    public async Task Readme_InstallAndTour_RunAsPrinted()
    {
        var script = TourScript(await ReadmeScript.ReadAsync());
        using var home = new TempFolder("readme-home");
        var tour = Path.Combine(home.Path, "bluegreen-tour");

        var (exit, transcript) = await ReadmeScript.RunAsync(
            script, home.Path, Repository.Root, runAs: null, "readme-tour", () => ReadmeScript.TourPidFiles(tour));

        Assert.True(exit == 0, $"the tour stopped with exit code {exit}:\n{ReadmeScript.Tail(transcript)}");
        Assert.Contains("refused with exit code 5", transcript, StringComparison.Ordinal);
        Assert.Matches(@"│\s*alice\s*│", transcript);
    }

    /// <summary>Every ```bash block from "## Install" up to the next section after "## Try it on one host".</summary>
    internal static string TourScript(string readme)
    {
        var blocks = TourBlocks(readme);
        Assert.True(blocks.Count >= 4, $"only {blocks.Count} bash blocks found in the tour");
        return string.Join("\n", blocks);
    }

    /// <summary>The ```bash blocks of "## Install" and "## Try it on one host", in order.</summary>
    internal static IReadOnlyList<string> TourBlocks(string readme)
    {
        var from = readme.IndexOf("\n## Install\n", StringComparison.Ordinal);
        var tour = readme.IndexOf("\n## Try it on one host\n", StringComparison.Ordinal);
        Assert.True(from >= 0 && tour > from, "README.md lacks the sections '## Install' then '## Try it on one host'");
        var end = readme.IndexOf("\n## ", tour + 1, StringComparison.Ordinal);
        return ReadmeScript.BashBlocks(readme[from..(end < 0 ? readme.Length : end)]);
    }
}

/// <summary>The README's scripts use the same fixed ports (5080, 8080, 3000, 4000): one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ReadmePorts
{
    public const string Name = "readme";
}
