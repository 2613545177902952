using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The README's "Install" and "Try it on one host" sections, run exactly as printed: every ```bash block of the two, in
/// order, in one bash with errexit and pipefail, from the checkout, with a fresh home folder. The tour installs the
/// commands, starts haproxy and the server, releases, rolls back and stops what it started; whatever it leaves running
/// (its instances, or everything after a failure) is killed here by the pids its own files name.
/// </summary>
public sealed partial class ReadmeTourTests
{
    private const string Readme = "README.md";

    [Fact]
    public async Task Readme_InstallAndTour_RunAsPrinted()
    {
        var script = TourScript(await File.ReadAllTextAsync(Path.Combine(Repository.Root, Readme)));
        using var home = new TempFolder("readme-home");
        var tour = Path.Combine(home.Path, "bluegreen-tour");
        var scriptPath = Path.Combine(home.Path, "tour.sh");
        await File.WriteAllTextAsync(scriptPath, script);
        var output = new StringBuilder();
        var start = new ProcessStartInfo("setsid")
        {
            // Its own session: everything the tour starts in the background can be found and stopped as one group.
            ArgumentList = { "bash", "-euo", "pipefail", scriptPath },
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HOME"] = home.Path;
        start.Environment.Remove("BLUEGREEN_SERVER");
        start.Environment.Remove("BLUEGREEN_TOKEN");
        start.Environment.Remove("BLUEGREEN_TOKEN_FILE");
        using var bash = Process.Start(start)!;
        TrackedProcesses.Track(bash);
        bash.OutputDataReceived += (_, e) => Append(output, e.Data);
        bash.ErrorDataReceived += (_, e) => Append(output, e.Data);
        bash.BeginOutputReadLine();
        bash.BeginErrorReadLine();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await bash.WaitForExitAsync(timeout.Token);
            var transcript = output.ToString();
            Directory.CreateDirectory(Path.Combine(Repository.Root, "TestResults"));
            await File.WriteAllTextAsync(Path.Combine(Repository.Root, "TestResults", "readme-tour.txt"), transcript);

            Assert.True(bash.ExitCode == 0, $"the tour stopped with exit code {bash.ExitCode}:\n{Tail(transcript)}");
            Assert.Contains("refused with exit code 5", transcript, StringComparison.Ordinal);
            Assert.Matches(@"│\s*alice\s*│", transcript);
        }
        finally
        {
            await StopLeftoversAsync(bash, tour);
        }
    }

    /// <summary>Every ```bash block from "## Install" up to the next section after "## Try it on one host".</summary>
    internal static string TourScript(string readme)
    {
        var from = readme.IndexOf("\n## Install\n", StringComparison.Ordinal);
        var tour = readme.IndexOf("\n## Try it on one host\n", StringComparison.Ordinal);
        Assert.True(from >= 0 && tour > from, "README.md lacks the sections '## Install' then '## Try it on one host'");
        var end = readme.IndexOf("\n## ", tour + 1, StringComparison.Ordinal);
        var blocks = BashBlock().Matches(readme[from..(end < 0 ? readme.Length : end)]).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 4, $"only {blocks.Count} bash blocks found in the tour");
        return string.Join("\n", blocks);
    }

    /// <summary>Kills, by pid, the server, haproxy and instances the tour started and did not stop, then its process group.</summary>
    private static async Task StopLeftoversAsync(Process bash, string tour)
    {
        var pidFiles = new[] { Path.Combine(tour, "run", "server.pid"), Path.Combine(tour, "run", "haproxy.pid") }
            .Concat(Directory.Exists(Path.Combine(tour, "data", "instances")) ? Directory.GetFiles(Path.Combine(tour, "data", "instances"), "*.pid") : []);
        foreach (var file in pidFiles.Where(File.Exists))
        {
            // A pid file's first line is the pid (haproxy's, the tour's own, and the process runtime's record alike).
            if (int.TryParse(File.ReadLines(file).FirstOrDefault()?.Trim(), out var pid))
            {
                Kill(pid);
            }
        }

        Kill(-bash.Id);
        await TrackedProcesses.StopAsync(bash);
    }

    private static void Kill(int pid)
    {
        // kill(2) through the kill command: a negative pid is the process group.
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-9", "--", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardError = true });
        kill?.WaitForExit(5000);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.Append(line).Append('\n');
            }
        }
    }

    private static string Tail(string text) => text.Length > 6000 ? "…" + text[^6000..] : text;

    [GeneratedRegex("```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
