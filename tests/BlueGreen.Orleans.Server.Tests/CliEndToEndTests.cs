using System.Globalization;
using System.Text.Json;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The bluegreen CLI against the real server: apply, release, rollback, watch and history, with exit codes.</summary>
public sealed class CliEndToEndTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private string[] Server(string token = ServerProcess.AdminToken) => ["--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", token];

    [Fact]
    public async Task Cli_ApplyReleaseRollbackHistory_ThroughTheRealServer()
    {
        await fixture.StartBlueAsync("search");
        using var folder = new TempFolder("cli");
        var spec = folder.File("search.yaml");
        var (bluePort, greenPort) = fixture.Ports["search"];
        await File.WriteAllTextAsync(spec, string.Create(CultureInfo.InvariantCulture, $"""
            name: search
            route_key: search.local
            proxies: [edge-cli]
            live_version: "1"
            health_timeout: 20s
            drain_timeout: 5s
            keep_warm: 10m
            blue:
              command: {EchoInstance.Dotnet}
              arguments: ["{EchoInstance.DllPath}", "--address", "{"{address}"}", "--port", "{"{port}"}", "--colour", "{"{colour}"}", "--version", "{"{version}"}"]
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {bluePort} {"}"}]
            green:
              command: {EchoInstance.Dotnet}
              arguments: ["{EchoInstance.DllPath}", "--address", "{"{address}"}", "--port", "{"{port}"}", "--colour", "{"{colour}"}", "--version", "{"{version}"}"]
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {greenPort} {"}"}]
            """));

        var add = await CliRun.RunAsync(["proxy", "add", "edge-cli", "--runtime-api", fixture.Proxy.RuntimeApi.ToString(), "--map-file", fixture.Proxy.MapFile, .. Server()]);
        var apply = await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server()]);
        var release = await CliRun.RunAsync(["release", "search", "--version", "2", .. Server()]);
        using var http = new FrontendClient(fixture.Proxy.FrontendUrl);
        var afterRelease = (await http.GetAsync("search.local")).Echo;
        var rollback = await CliRun.RunAsync(["rollback", "search", .. Server()]);
        var afterRollback = (await http.GetAsync("search.local")).Echo;
        var history = await CliRun.RunAsync(["history", "search", "--output", "json", .. Server(ServerProcess.ReadToken)]);
        var watch = await CliRun.RunAsync(["watch", "search", "1", "--output", "json", .. Server(ServerProcess.ReadToken)]);

        Assert.Equal(ExitCodes.Ok, add.Exit);
        Assert.Equal(ExitCodes.Ok, apply.Exit);
        Assert.Contains("search.local", apply.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, release.Exit);
        Assert.Contains("succeeded", release.Output, StringComparison.Ordinal);
        Assert.Contains("edge-cli", release.Output, StringComparison.Ordinal);
        Assert.Equal(("green", "2"), (afterRelease?.Colour, afterRelease?.Version));
        Assert.Equal(ExitCodes.Ok, rollback.Exit);
        Assert.Equal(("blue", "1"), (afterRollback?.Colour, afterRollback?.Version));
        Assert.Equal(ExitCodes.Ok, history.Exit);
        using var json = JsonDocument.Parse(history.Output);
        var kinds = json.RootElement.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["DEPLOYMENT_KIND_ROLLBACK", "DEPLOYMENT_KIND_RELEASE"], kinds);
        Assert.Equal(ExitCodes.Ok, watch.Exit);
        using var watched = JsonDocument.Parse(watch.Output);
        Assert.Equal("DEPLOYMENT_OUTCOME_SUCCEEDED", watched.RootElement.GetProperty("outcome").GetString());
        Assert.True(watched.RootElement.GetProperty("events").GetArrayLength() >= 5);
    }

    [Fact]
    public async Task Cli_RefusedAndUnauthorized_DistinctExitCodes()
    {
        var unknown = await CliRun.RunAsync(["promote", "nosuchservice", .. Server()]);
        var readOnly = await CliRun.RunAsync(["release", "mail", "--version", "2", .. Server(ServerProcess.ReadToken)]);
        var noToken = await CliRun.RunAsync(["proxy", "ls", "--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}"]);

        Assert.Equal(ExitCodes.Refused, unknown.Exit);
        Assert.Contains("NotFound", unknown.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unauthorized, readOnly.Exit);
        Assert.Equal(ExitCodes.Unauthorized, noToken.Exit);
        Assert.DoesNotContain(ServerProcess.ReadToken, readOnly.Output, StringComparison.Ordinal);
    }
}
