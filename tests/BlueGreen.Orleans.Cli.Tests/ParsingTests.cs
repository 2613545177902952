using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Spectre.Console;

namespace BlueGreen.Orleans.Cli.Tests;

public sealed class ParsingTests
{
    [Theory]
    [InlineData("release")]
    [InlineData("release", "web")]
    [InlineData("proxy", "add", "edge-1")]
    [InlineData("service", "apply")]
    [InlineData("nonsense")]
    [InlineData("release", "web", "--version", "2", "--output", "xml")]
    public async Task Run_BadCommandLine_UsageExitCode(params string[] args)
    {
        var (exit, output) = await CliRun.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("error:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("release", "Web;x", "--version", "2")]
    [InlineData("release", "web", "--version", "2\nshow info")]
    [InlineData("release", "web", "--version", "2", "--drain-timeout", "forever")]
    [InlineData("release", "web", "--version", "2", "--health-timeout", "-5s")]
    [InlineData("release", "web", "--version", "2", "--keep-warm", "48h")]
    [InlineData("release", "web", "--version", "2", "--health-timeout", "0s")]
    [InlineData("proxy", "add", "edge 1", "--runtime-api", "tcp://127.0.0.1:1", "--map-file", "/m")]
    [InlineData("proxy", "add", "edge-1", "--runtime-api", "tcp://127.0.0.1:1", "--map-file", "/m", "--label", "novalue")]
    [InlineData("proxy", "add", "edge-1", "--agent", "--runtime-api", "tcp://127.0.0.1:1")]
    [InlineData("proxy", "add", "edge-1", "--agent", "--map-file", "/m")]
    [InlineData("proxy", "add", "edge-1", "--runtime-api", "tcp://127.0.0.1:1", "--map-file", "/m", "--credential-file", "/tmp/c")]
    [InlineData("proxy", "add", "edge-1", "--agent", "--credential-file", "/tmp/a b")]
    [InlineData("proxy", "add", "edge-1", "--agent", "--credential-file", "/tmp/../etc/c")]
    [InlineData("proxy", "add", "edge-1", "--map-file", "/m")]
    [InlineData("history", "-bad")]
    [InlineData("release", "web\n", "--version", "2")]
    [InlineData("release", "web", "--version", "2\n")]
    [InlineData("proxy", "ls", "--server", "ftp://127.0.0.1:1")]
    public async Task Run_HostileOrInvalidValue_RefusedLocallyBeforeAnyCall(params string[] args)
    {
        // A listener that counts connections: nothing may reach the server.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

        var (exit, output) = await CliRun.RunAsync([.. args, "--server", server]);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("error:", output, StringComparison.Ordinal);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task Run_ServerUnreachable_UnreachableExitCode()
    {
        var port = BlueGreen.Orleans.Harness.Loopback.FreePort();

        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"http://127.0.0.1:{port}");

        Assert.Equal(ExitCodes.Unreachable, exit);
        Assert.Contains("Unavailable", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        var root = BlueGreenCli.Build(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }));
        var groups = Groups(root, []).ToList();

        // The root and every command with subcommands: its help lists exactly the commands the tree has under it.
        Assert.Contains(groups, g => g.Path.Length == 0);
        foreach (var (path, command) in groups)
        {
            var (exit, output) = await CliRun.RunAsync([.. path, "--help"]);

            Assert.Equal(ExitCodes.Ok, exit);
            // An entry lists a command's names ("list, ls"): it stands for the command whose primary name it holds.
            var names = command.Subcommands.Select(c => c.Name).ToList();
            var listed = Listed(output).Select(entry => entry.FirstOrDefault(names.Contains) ?? entry[0]);
            Assert.Equal(names.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        }
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("00:00:05", 5000)]
    public void Durations_Parse_Accepted(string text, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, "--x"));

    [Fact]
    public void ExitCodes_AreDistinct()
    {
        // Every constant ExitCodes declares, so a code added later is checked too.
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, Value: (int)f.GetRawConstantValue()!))
            .ToList();

        Assert.Contains(codes, c => c.Name == nameof(ExitCodes.Usage));
        Assert.Empty(codes.GroupBy(c => c.Value).Where(g => g.Count() > 1).Select(g => string.Join(" = ", g.Select(c => c.Name))));
    }

    /// <summary>The commands that have subcommands, the root first, each with the words that reach it.</summary>
    private static IEnumerable<(string[] Path, Command Command)> Groups(Command command, string[] path)
    {
        if (command.Subcommands.Count == 0)
        {
            yield break;
        }

        yield return (path, command);
        foreach (var sub in command.Subcommands)
        {
            foreach (var group in Groups(sub, [.. path, sub.Name]))
            {
                yield return group;
            }
        }
    }

    /// <summary>The entries a help text lists under <c>Commands:</c>: the names (a command and its aliases) of each.</summary>
    private static List<string[]> Listed(string help)
    {
        var lines = help.Split('\n').Select(l => l.TrimEnd()).ToList();
        var start = lines.IndexOf("Commands:");
        Assert.True(start >= 0, help);
        return lines.Skip(start + 1)
            .TakeWhile(l => l.Length > 0)
            .Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Length > 2 && l[2] != ' ')
            .Select(l => l.TrimStart().Split("  ")[0].Split(", ").Select(n => n.Split(' ')[0]).ToArray())
            .ToList();
    }
}
