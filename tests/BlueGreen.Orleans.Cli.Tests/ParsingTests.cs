using System.Net;
using System.Net.Sockets;

using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

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
        var (exit, output) = await CliRun.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, exit);
        foreach (var command in new[] { "proxy", "service", "release", "promote", "rollback", "abort", "history", "watch" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
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
        int[] codes = [ExitCodes.Ok, ExitCodes.Failed, ExitCodes.Refused, ExitCodes.RolledBack, ExitCodes.Unreachable, ExitCodes.Unauthorized, ExitCodes.Usage];

        Assert.Equal(codes.Length, codes.Distinct().Count());
    }
}
