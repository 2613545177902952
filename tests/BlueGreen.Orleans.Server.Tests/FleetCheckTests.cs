using System.Globalization;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Registration and apply check the real HAProxy before anything is saved, through the real CLI: a map HAProxy never
/// loaded, a server or backend its config lacks. Each refusal exits 2 (refused, not "server unreachable"), says what is
/// missing on which proxy, and leaves nothing behind.
/// </summary>
public sealed class FleetCheckTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private string[] Server => ["--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    [Fact]
    public async Task ProxyAdd_MapNotLoadedByHaProxy_RefusedListingItsMaps()
    {
        var other = Path.Combine(Path.GetDirectoryName(fixture.Proxy.MapFile)!, "other.map");
        var add = await CliRun.RunAsync(["proxy", "add", "edge-nomap", "--runtime-api", fixture.Proxy.RuntimeApi.ToString(), "--map-file", other, .. Server]);
        var show = await CliRun.RunAsync(["proxy", "show", "edge-nomap", .. Server]);

        Assert.Equal(ExitCodes.Refused, add.Exit);
        Assert.Contains($"has not loaded the map {other}", add.Output, StringComparison.Ordinal);
        Assert.Contains(fixture.Proxy.MapFile, add.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, show.Exit);
        Assert.Contains("not registered", show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyAdd_NothingListening_RefusedAndNotRegistered()
    {
        // A map file of its own: the fixture's proxy writes fixture.Proxy.MapFile, and a second writer is refused first.
        var mapFile = Path.Combine(Path.GetDirectoryName(fixture.Proxy.MapFile)!, "gone.map");
        var add = await CliRun.RunAsync(["proxy", "add", "edge-gone", "--runtime-api", $"tcp://127.0.0.1:{Loopback.FreePort()}", "--map-file", mapFile, .. Server]);
        var show = await CliRun.RunAsync(["proxy", "show", "edge-gone", .. Server]);

        Assert.Equal(ExitCodes.Refused, add.Exit);
        Assert.Contains("could not reach", add.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, show.Exit);
    }

    [Theory]
    [InlineData("server", "backend cart_green has no server s9 (it has: s1)")]
    [InlineData("backend", "backend nothere_blue is not in its configuration")]
    public async Task ServiceApply_SpecTheProxyCannotServe_RefusedNamingWhatIsMissingAndNothingSaved(string what, string expected)
    {
        await new V1.Proxies.ProxiesClient(fixture.Channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = "edge-check", RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        var name = what == "server" ? "cart" : "nothere";
        using var folder = new TempFolder("fleet-check");
        var spec = folder.File("spec.yaml");
        var (blue, green) = fixture.Ports["cart"];
        await File.WriteAllTextAsync(spec, string.Create(CultureInfo.InvariantCulture, $"""
            name: {name}
            route_key: {name}.local
            proxies: [edge-check]
            blue:
              runtime: external
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {blue} {"}"}]
            green:
              runtime: external
              instances: [{"{"} server: {(what == "server" ? "s9" : "s1")}, address: 127.0.0.1, port: {green} {"}"}]
            """));

        var apply = await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server]);
        var error = await Assert.ThrowsAsync<RpcException>(() => new V1.Services.ServicesClient(fixture.Channel).GetServiceAsync(new V1.GetServiceRequest { Name = name }, GatewayFixture.Admin).ResponseAsync);
        await using var client = fixture.Proxy.CreateClient();
        var map = await client.ShowMapAsync(fixture.Proxy.MapFile);

        Assert.Equal(ExitCodes.Refused, apply.Exit);
        Assert.Contains($"edge-check: {expected}", apply.Output, StringComparison.Ordinal);
        Assert.Contains("nothing was saved", apply.Output, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain(map, e => e.Key == $"{name}.local");
    }

    [Fact]
    public async Task Release_InstanceExitsAtOnce_RolledBackNamingExitCodeAndOutputAndTheLogIsKept()
    {
        await new V1.Proxies.ProxiesClient(fixture.Channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = "edge-check", RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        await fixture.StartBlueAsync("search");
        using var folder = new TempFolder("fleet-exit");
        var spec = folder.File("spec.yaml");
        var (blue, green) = fixture.Ports["search"];
        // The README's old mistake: a dll path relative to the server's working directory, which does not exist there.
        await File.WriteAllTextAsync(spec, string.Create(CultureInfo.InvariantCulture, $"""
            name: search
            route_key: search.local
            proxies: [edge-check]
            live_version: "1"
            health_timeout: 60s
            blue:
              command: {EchoInstance.Dotnet}
              arguments: ["{EchoInstance.DllPath}", "--address", "{"{address}"}", "--port", "{"{port}"}", "--colour", "{"{colour}"}", "--version", "{"{version}"}"]
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {blue} {"}"}]
            green:
              command: {EchoInstance.Dotnet}
              arguments: [bluegreen-echo.dll, --port, "{"{port}"}"]
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {green} {"}"}]
            """));
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server])).Exit);

        var started = DateTime.UtcNow;
        var release = await CliRun.RunAsync(["release", "search", "--version", "2", .. Server]);
        var took = DateTime.UtcNow - started;

        Assert.True(release.Exit == ExitCodes.RolledBack, release.Output);
        Assert.True(release.Output.Contains("search-green-s1 exited with code", StringComparison.Ordinal), release.Output);
        Assert.True(took < TimeSpan.FromSeconds(30), $"the release took {took}: it waited for the health deadline instead of seeing the exit");
        var kept = Path.Combine(fixture.DataDirectory, "instances", "search-green-s1.log.1");
        Assert.True(File.Exists(kept), "the dead instance's log was deleted with it");
        // What the instance itself said last (dotnet's own complaint, whatever its words) is in the record.
        var said = (await File.ReadAllLinesAsync(kept)).Last(l => l.Length > 0 && !l.StartsWith("--- ", StringComparison.Ordinal));
        Assert.True(release.Output.Contains(said[..Math.Min(60, said.Length)], StringComparison.Ordinal), release.Output);
    }
}
