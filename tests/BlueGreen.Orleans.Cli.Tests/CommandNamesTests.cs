using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Cli.Tests;

/// <summary>The names a command answers to: list/ls and remove/rm aliases.</summary>
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
}
