using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Cli.Tests;

/// <summary>The names a command answers to: list/ls and remove/rm aliases, and "did you mean" for a mistyped one.</summary>
public sealed class CommandNamesTests
{
    [Theory]
    [InlineData("proxy", "ls")]
    [InlineData("proxy", "list")]
    [InlineData("service", "ls")]
    [InlineData("service", "list")]
    [InlineData("proxy", "rm", "edge-1")]
    [InlineData("proxy", "remove", "edge-1")]
    [InlineData("service", "rm", "web")]
    [InlineData("service", "remove", "web")]
    public async Task Run_ListOrRemoveByEitherName_ReachesTheServer(params string[] args)
    {
        var port = Loopback.FreePort();

        var (exit, output) = await CliRun.RunAsync([.. args, "--server", $"http://127.0.0.1:{port}"]);

        // Parsed and sent: nothing listens there, so the command ends unreachable, not as a usage error.
        Assert.Equal(ExitCodes.Unreachable, exit);
        Assert.Contains("Unavailable", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error: unknown command 'relase'. Did you mean 'release'?", "relase", "web")]
    [InlineData("error: unknown command 'sho'. Did you mean 'show'?", "service", "sho", "web")]
    [InlineData("error: unknown command 'ad'. Did you mean 'add'?", "proxy", "ad", "edge-1")]
    [InlineData("error: unknown command 'lst'. Did you mean 'list' or 'ls'?", "proxy", "lst")]
    [InlineData("error: unknown command 'Histroy'. Did you mean 'history'?", "Histroy", "web")]
    [InlineData("error: unknown command 'nonsense'.", "nonsense")]
    public async Task Run_MistypedCommand_OneLineWithClosestCommands(string expected, params string[] args)
    {
        var (exit, output) = await CliRun.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, exit);
        var errors = output.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Equal([expected], errors);
    }

    [Theory]
    [InlineData("rel\u0000ase")]
    [InlineData("rel\nase")]
    [InlineData("relase; shutdown")]
    [InlineData("\u001b[31mrelase")]
    public async Task Run_MistypedHostileCommand_PrintableOneLine(string typed)
    {
        var (exit, output) = await CliRun.RunAsync(typed, "web");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Single(output.Split('\n'), l => l.StartsWith("error: unknown command", StringComparison.Ordinal));
        Assert.DoesNotContain(output, c => char.IsControl(c) && c != '\n');
    }

    [Fact]
    public async Task Run_MistypedCommandOf10Kb_ShortLineNoSuggestion()
    {
        var (exit, output) = await CliRun.RunAsync(new string('r', 10 * 1024), "web");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.True(output.Length < 400, $"{output.Length} characters");
        Assert.DoesNotContain("Did you mean", output, StringComparison.Ordinal);
    }
}
