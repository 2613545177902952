using System.Globalization;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>What the CLI prints against the real server: close names on NotFound, retired colours, tables at any width.</summary>
public sealed class CliOutputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string ProxyId = "edge-out";

    private string[] Server(string token = ServerProcess.AdminToken) => ["--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", token];

    [Fact]
    public async Task Cli_MistypedServiceOrProxy_NotFoundNamesTheClosest()
    {
        await ApplyAsync("shop");

        var show = await CliRun.RunAsync(["service", "show", "shpo", .. Server(ServerProcess.ReadToken)]);
        var history = await CliRun.RunAsync(["history", "sohp", .. Server(ServerProcess.ReadToken)]);
        var proxy = await CliRun.RunAsync(["proxy", "show", "edge-otu", .. Server(ServerProcess.ReadToken)]);
        var far = await CliRun.RunAsync(["service", "show", "zzzzzz", .. Server(ServerProcess.ReadToken)]);

        Assert.Equal(ExitCodes.Refused, show.Exit);
        Assert.Equal("error: NotFound: service 'shpo' does not exist. Did you mean 'shop'?", show.Output.Trim());
        Assert.Equal(ExitCodes.Refused, history.Exit);
        Assert.EndsWith("Did you mean 'shop'?", history.Output.Trim(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, proxy.Exit);
        Assert.EndsWith($"Did you mean '{ProxyId}'?", proxy.Output.Trim(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, far.Exit);
        Assert.Equal("error: NotFound: service 'zzzzzz' does not exist.", far.Output.Trim());
    }

    [Fact]
    public async Task Cli_ServiceShowAfterReleaseWithoutKeepWarm_RetiredColourNotShownAsRunning()
    {
        await ApplyAsync("cart");
        var release = await CliRun.RunAsync(["release", "cart", "--version", "2", "--keep-warm", "0s", .. Server()]);

        var show = await CliRun.RunAsync(["service", "show", "cart", .. Server(ServerProcess.ReadToken)]);

        Assert.Equal(ExitCodes.Ok, release.Exit);
        Assert.Equal(ExitCodes.Ok, show.Exit);
        Assert.Contains("blue 1 (retired), green 2", show.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("60")]
    [InlineData("200")]
    [InlineData(null)]
    public async Task Cli_HistoryInAPipe_FollowsColumnsAndCutsNothing(string? columns)
    {
        await ApplyAsync("auth");
        if ((await CliRun.RunAsync(["history", "auth", "--output", "json", .. Server()])).Output.Contains("\"id\"", StringComparison.Ordinal) is false)
        {
            Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(["release", "auth", "--version", "2", .. Server()])).Exit);
        }

        var (exit, output) = await CliRun.RunProcessAsync(new Dictionary<string, string?> { ["COLUMNS"] = columns }, ["history", "auth", .. Server(ServerProcess.ReadToken)]);

        Assert.Equal(ExitCodes.Ok, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("…", output, StringComparison.Ordinal);
        foreach (var word in new[] { "id", "kind", "version", "from", "to", "outcome", "by", "started", "took", "switch", "skew", "error", "release", "succeeded", ServerProcess.AdminTokenName })
        {
            Assert.Contains(lines, l => l.Split(' ', '│', '|').Contains(word));
        }

        var width = int.Parse(columns ?? "200", CultureInfo.InvariantCulture);
        var widest = lines.Max(l => l.Length);
        if (width >= 200)
        {
            // Room for every column: the table is as wide as its content, headers each on one line.
            Assert.True(widest <= width, $"a line of {widest} columns:\n{output}");
            Assert.Contains(lines, l => l.Contains("switch skew", StringComparison.Ordinal) && l.Contains("from → to", StringComparison.Ordinal));
        }
        else
        {
            // Too narrow for ten columns: wider than asked (a terminal wraps such a line), never ellipsized.
            Assert.True(widest > width, $"the table fits {width} columns only by cutting, yet no line is wider:\n{output}");
        }
    }

    /// <summary>Registers the proxy once and applies <paramref name="service"/> (blue v1 already running).</summary>
    private async Task ApplyAsync(string service)
    {
        if ((await CliRun.RunAsync(["proxy", "show", ProxyId, .. Server()])).Exit != ExitCodes.Ok)
        {
            var add = await CliRun.RunAsync(["proxy", "add", ProxyId, "--runtime-api", fixture.Proxy.RuntimeApi.ToString(), "--map-file", fixture.Proxy.MapFile, .. Server()]);
            Assert.True(add.Exit == ExitCodes.Ok, add.Output);
        }

        if ((await CliRun.RunAsync(["service", "show", service, .. Server()])).Exit == ExitCodes.Ok)
        {
            return;
        }

        await fixture.StartBlueAsync(service);
        using var folder = new TempFolder("cli-output");
        var spec = await EchoService.WriteSpecAsync(fixture, folder, ProxyId, service, liveVersion: "1", keepWarm: "0s", healthTimeout: "20s");
        var apply = await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server()]);
        Assert.True(apply.Exit == ExitCodes.Ok, apply.Output);
    }
}
