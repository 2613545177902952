using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Instances;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Runs README code blocks as a reader would: in one <c>bash -euo pipefail</c>, in a session of its own (everything it
/// starts in the background is one process group), with a fresh home folder and none of the caller's BlueGreen
/// variables; as another user when one is given (<c>setpriv</c>). Whatever the script leaves running is killed by the
/// pids its own files name, then its process group.
/// </summary>
internal static partial class ReadmeScript
{
    public const string Readme = "README.md";

    /// <summary>The README's text, from the checkout.</summary>
    public static Task<string> ReadAsync() => File.ReadAllTextAsync(Path.Combine(Repository.Root, Readme));

    /// <summary>Every ```bash block of the text, in order.</summary>
    public static IReadOnlyList<string> BashBlocks(string text) => BashBlock().Matches(text).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The one ```bash block of the README that contains <paramref name="marker"/>.</summary>
    public static string BlockWith(string readme, string marker)
    {
        var blocks = BashBlocks(readme).Where(b => b.Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.True(blocks.Count == 1, $"README.md has {blocks.Count} bash blocks containing '{marker}', not one");
        return blocks[0];
    }

    public static async Task<(int Exit, string Transcript)> RunAsync(
        string script, string home, string workingDirectory, UserAccount? runAs, string transcriptName, Func<IEnumerable<string>> pidFiles)
    {
        var scriptPath = Path.Combine(home, transcriptName + ".sh");
        await File.WriteAllTextAsync(scriptPath, script);
        var start = new ProcessStartInfo(runAs is null ? "setsid" : ProcessInstanceRuntime.SetPrivPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (runAs is not null)
        {
            foreach (var argument in new[] { $"--reuid={runAs.Uid}", $"--regid={runAs.Gid}", "--clear-groups", "--", "setsid" })
            {
                start.ArgumentList.Add(argument);
            }

            Chown(home, runAs);
        }

        // setsid execs in place (the test's child leads no group): bash keeps the pid started here and leads the group.
        foreach (var argument in new[] { "bash", "-euo", "pipefail", scriptPath })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = home;
        start.Environment["PATH"] = $"{home}/.local/bin:{Environment.GetEnvironmentVariable("PATH")}";
        foreach (var name in new[] { "BLUEGREEN_SERVER", "BLUEGREEN_TOKEN", "BLUEGREEN_TOKEN_FILE", "BLUEGREEN_CA_FILE" })
        {
            start.Environment.Remove(name);
        }

        var output = new StringBuilder();
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
            await File.WriteAllTextAsync(Path.Combine(Repository.Root, "TestResults", transcriptName + ".txt"), transcript);
            return (bash.ExitCode, transcript);
        }
        finally
        {
            StopLeftovers(bash, pidFiles);
            await TrackedProcesses.StopAsync(bash);
        }
    }

    /// <summary>The pid files the tour's commands write: the server's, haproxy's and the process runtime's records.</summary>
    public static IEnumerable<string> TourPidFiles(string tour) =>
        new[] { Path.Combine(tour, "run", "server.pid"), Path.Combine(tour, "run", "haproxy.pid") }
            .Concat(Directory.Exists(Path.Combine(tour, "data", "instances")) ? Directory.GetFiles(Path.Combine(tour, "data", "instances"), "*.pid") : []);

    public static string Tail(string text) => text.Length > 6000 ? "…" + text[^6000..] : text;

    private static void StopLeftovers(Process bash, Func<IEnumerable<string>> pidFiles)
    {
        foreach (var file in pidFiles().Where(File.Exists))
        {
            // A pid file's first line is the pid (haproxy's, the script's own, and the process runtime's record alike).
            if (int.TryParse(File.ReadLines(file).FirstOrDefault()?.Trim(), out var pid))
            {
                Kill(pid);
            }
        }

        Kill(-bash.Id);
    }

    private static void Kill(int pid) =>
        // kill(2) through the kill command: a negative pid is the process group.
        Run("kill", "-9", "--", pid.ToString(CultureInfo.InvariantCulture));

    private static void Chown(string path, UserAccount user) =>
        Run("chown", "-R", string.Create(CultureInfo.InvariantCulture, $"{user.Uid}:{user.Gid}"), path);

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true });
        process?.WaitForExit(10_000);
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

    [GeneratedRegex("```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
