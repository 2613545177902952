using System.Globalization;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// <c>service apply -f FOLDER</c> through the real CLI, server and haproxy: a fleet's specs applied together (the
/// proxies batch what arrives together), every one checked before any is sent, and one refused without stopping the
/// others.
/// </summary>
public sealed class ServiceApplyManyTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string ProxyId = "edge-many";

    private string[] Server => ["--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    [Fact]
    public async Task Apply_FolderOfSpecs_AllAppliedAndRoutedOnTheProxy()
    {
        await RegisterProxyAsync();
        using var folder = new TempFolder("apply-many");
        string[] names = ["shop", "cart", "auth"];
        foreach (var name in names)
        {
            await fixture.StartBlueAsync(name);
            await File.WriteAllTextAsync(folder.File($"{name}.yaml"), Spec(name, ProxyId));
        }

        var apply = await CliRun.RunAsync(["service", "apply", "-f", folder.Path, .. Server]);

        Assert.Equal(ExitCodes.Ok, apply.Exit);
        Assert.Contains("3 of 3 services applied.", apply.Output, StringComparison.Ordinal);
        await using var client = fixture.Proxy.CreateClient();
        var map = await client.ShowMapAsync(fixture.Proxy.MapFile);
        using var http = new FrontendClient(fixture.Proxy.FrontendUrl);
        foreach (var name in names)
        {
            Assert.Equal($"{name}_blue", Assert.Single(map, e => e.Key == $"{name}.local").Value);
            // Blue's server turns UP at its first health check after it started.
            await Eventually.UntilAsync(async () => (await http.GetAsync($"{name}.local")).Echo?.Colour, c => c == "blue", TimeSpan.FromSeconds(10), $"{name}.local answered by blue");
        }
    }

    [Fact]
    public async Task Apply_OneSpecInTheFolderInvalid_NothingApplied()
    {
        await RegisterProxyAsync();
        using var folder = new TempFolder("apply-bad");
        await File.WriteAllTextAsync(folder.File("a-search.yaml"), Spec("search", ProxyId));
        await File.WriteAllTextAsync(folder.File("b-mail.yaml"), Spec("mail", ProxyId).Replace("route_key: mail.local", "route_key: \"mail.local;shutdown sessions\"", StringComparison.Ordinal));

        var apply = await CliRun.RunAsync(["service", "apply", "-f", folder.Path, .. Server]);

        Assert.Equal(ExitCodes.Usage, apply.Exit);
        Assert.Contains("b-mail.yaml", apply.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing was applied.", apply.Output, StringComparison.Ordinal);
        var services = new V1.Services.ServicesClient(fixture.Channel);
        var error = await Assert.ThrowsAsync<RpcException>(() => services.GetServiceAsync(new V1.GetServiceRequest { Name = "search" }, GatewayFixture.Admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Apply_OneSpecRefusedByTheServer_OthersAppliedAndTheRefusalNamed()
    {
        await RegisterProxyAsync();
        using var folder = new TempFolder("apply-refused");
        await File.WriteAllTextAsync(folder.File("mail.yaml"), Spec("mail", ProxyId));
        await File.WriteAllTextAsync(folder.File("search.yaml"), Spec("search", "edge-nowhere"));

        var apply = await CliRun.RunAsync(["service", "apply", "-f", folder.File("mail.yaml"), "-f", folder.File("search.yaml"), .. Server]);

        Assert.Equal(ExitCodes.Refused, apply.Exit);
        Assert.Contains("1 of 2 services applied.", apply.Output, StringComparison.Ordinal);
        Assert.Contains("search.yaml (service 'search'): InvalidArgument: proxies: not registered: edge-nowhere.", apply.Output, StringComparison.Ordinal);
        var services = new V1.Services.ServicesClient(fixture.Channel);
        Assert.Equal("mail.local", (await services.GetServiceAsync(new V1.GetServiceRequest { Name = "mail" }, GatewayFixture.Admin)).Spec.RouteKey);
    }

    [Fact]
    public async Task Apply_AdoptWithManySpecs_RefusedBeforeAnythingIsSent()
    {
        using var folder = new TempFolder("apply-adopt");
        await File.WriteAllTextAsync(folder.File("a.yaml"), Spec("shop", ProxyId));
        await File.WriteAllTextAsync(folder.File("b.yaml"), Spec("cart", ProxyId));

        var apply = await CliRun.RunAsync(["service", "apply", "-f", folder.Path, "--adopt", "1", .. Server]);

        Assert.Equal(ExitCodes.Usage, apply.Exit);
        Assert.Contains("--adopt and --adopt-served take one spec file", apply.Output, StringComparison.Ordinal);
    }

    private async Task RegisterProxyAsync()
    {
        var add = await CliRun.RunAsync(["proxy", "add", ProxyId, "--runtime-api", fixture.Proxy.RuntimeApi.ToString(), "--map-file", fixture.Proxy.MapFile, .. Server]);
        Assert.Equal(ExitCodes.Ok, add.Exit);
    }

    private string Spec(string name, string proxy)
    {
        var (blue, green) = fixture.Ports[name];
        return string.Create(CultureInfo.InvariantCulture, $"""
            name: {name}
            route_key: {name}.local
            proxies: [{proxy}]
            blue:
              runtime: external
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {blue} {"}"}]
            green:
              runtime: external
              instances: [{"{"} server: s1, address: 127.0.0.1, port: {green} {"}"}]
            """);
    }
}
