using System.Globalization;
using System.Net;
using System.Text.Json;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Maintenance mode end to end through the CLI: a real server, three real haproxy processes and echo servers. On, every
/// proxy answers the service with 503 and its message while another service is unaffected; deployments are refused;
/// a reload and a restart keep the page; off, every proxy serves the live colour again; show and history carry both.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync, which releases both.")]
public sealed class MaintenanceTests : IAsyncLifetime
{
    private const string Message = "Back at 10:00 UTC (database upgrade)";
    private static readonly string[] ServiceNames = ["shop", "cart"];
    private ServerFleet _fleet = null!;
    private GrpcChannel _channel = null!;

    private string[] Server => ["--server", $"http://127.0.0.1:{_fleet.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    public async Task InitializeAsync()
    {
        _fleet = await ServerFleet.StartAsync("maintenance", ServiceNames, TestChecks.Fast, proxies: 3);
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_fleet.Server.GrpcPort}");
        await FleetProxies.RegisterAsync(_channel, _fleet);

        var services = new V1.Services.ServicesClient(_channel);
        foreach (var name in ServiceNames)
        {
            await _fleet.StartBlueAsync(name);
            await services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = Spec(name) }, GatewayFixture.Admin);
        }
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }

    [Fact]
    public async Task Maintenance_OnReleaseReloadOff_EveryProxyServesThePageThenTheLiveColour()
    {
        await EveryProxyAsync("shop.local", r => r.Status == HttpStatusCode.OK && r.Echo?.Colour == "blue", "shop served by blue before maintenance");

        var on = await CliRun.RunAsync(["maintenance", "on", "shop", "--message", Message, .. Server]);
        Assert.True(on.Exit == ExitCodes.Ok, on.Output);
        Assert.Contains("service shop is in maintenance: shop.local answers 503 on edge-0, edge-1, edge-2", on.Output, StringComparison.Ordinal);
        var pages = await EveryProxyAsync("shop.local", r => r.Status == HttpStatusCode.ServiceUnavailable, "shop answering 503 on every proxy");
        Assert.All(pages, p => Assert.Equal(Message + "\n", p.Body));
        await EveryProxyAsync("cart.local", r => r.Status == HttpStatusCode.OK && r.Echo?.Colour == "blue", "cart unaffected");

        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", .. Server]);
        Assert.Equal(ExitCodes.Refused, release.Exit);
        Assert.Contains("service 'shop' is in maintenance", release.Output, StringComparison.Ordinal);
        Assert.Contains("bluegreen maintenance off shop", release.Output, StringComparison.Ordinal);
        var rollback = await CliRun.RunAsync(["rollback", "shop", .. Server]);
        Assert.Equal(ExitCodes.Refused, rollback.Exit);
        Assert.Contains("in maintenance", rollback.Output, StringComparison.Ordinal);

        // A reload and a restart start from the config and the map file: the page stays.
        await _fleet.Proxies[0].ReloadAsync();
        await _fleet.Proxies[1].RestartAsync();
        pages = await EveryProxyAsync("shop.local", r => r.Status == HttpStatusCode.ServiceUnavailable, "shop answering 503 after a reload and a restart");
        Assert.All(pages, p => Assert.Equal(Message + "\n", p.Body));

        // A re-applied spec keeps the page: apply routes the key to what it points at now, not to the live colour.
        await new V1.Services.ServicesClient(_channel).ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = Spec("shop") }, GatewayFixture.Admin);
        pages = await EveryProxyAsync("shop.local", r => r.Status != HttpStatusCode.OK, "shop still in maintenance after a re-apply");
        Assert.All(pages, p => Assert.Equal((HttpStatusCode.ServiceUnavailable, Message + "\n"), (p.Status, p.Body)));

        // The message is kept under the route key: a new route key waits until maintenance is off.
        var moved = Spec("shop");
        moved.RouteKey = "shop2.local";
        var refused = await Assert.ThrowsAsync<RpcException>(() => new V1.Services.ServicesClient(_channel).ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = moved }, GatewayFixture.Admin).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("its route key cannot change ('shop.local' to 'shop2.local') until maintenance is off", refused.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("shop2.local", await MapsAsync(), StringComparison.Ordinal);

        var show = await CliRun.RunAsync(["service", "show", "shop", "--output", "json", .. Server]);
        using (var json = JsonDocument.Parse(show.Output))
        {
            var maintenance = json.RootElement.GetProperty("maintenance");
            Assert.Equal(Message, maintenance.GetProperty("message").GetString());
            Assert.Equal(ServerProcess.AdminTokenName, maintenance.GetProperty("by").GetString());
        }

        var table = await CliRun.RunAsync(["service", "show", "shop", .. Server]);
        Assert.Contains($"in maintenance since", table.Output, StringComparison.Ordinal);
        Assert.Contains($"by {ServerProcess.AdminTokenName}: \"{Message}\"", table.Output, StringComparison.Ordinal);

        var off = await CliRun.RunAsync(["maintenance", "off", "shop", .. Server]);
        Assert.True(off.Exit == ExitCodes.Ok, off.Output);
        Assert.Contains("service shop is out of maintenance: shop.local routes to blue on edge-0, edge-1, edge-2", off.Output, StringComparison.Ordinal);
        await EveryProxyAsync("shop.local", r => r.Status == HttpStatusCode.OK && r.Echo?.Colour == "blue", "shop served by blue after maintenance");

        var history = await CliRun.RunAsync(["history", "shop", "--output", "json", .. Server]);
        using (var json = JsonDocument.Parse(history.Output))
        {
            var changes = json.RootElement.GetProperty("maintenance").EnumerateArray()
                .Select(c => (c.GetProperty("enabled").GetBoolean(), c.GetProperty("message").GetString(), c.GetProperty("by").GetString())).ToList();
            Assert.Equal([(false, string.Empty, ServerProcess.AdminTokenName), (true, Message, ServerProcess.AdminTokenName)], changes);
        }

        // Off: the message key is gone from every proxy's map too.
        foreach (var proxy in _fleet.Proxies)
        {
            Assert.DoesNotContain("/Maintenance/shop.local", await File.ReadAllTextAsync(proxy.MapFile), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("semicolon", "Back soon; shutdown sessions server shop_blue/s1")]
    [InlineData("newline", "Back soon\nshutdown sessions server shop_blue/s1")]
    [InlineData("backslash", "Back soon\\")]
    [InlineData("markup", "<script>alert(1)</script>")]
    [InlineData("10 KB", null)]
    public async Task MaintenanceOn_HostileMessage_OneLineErrorNothingChanged(string label, string? message)
    {
        var before = await MapsAsync();

        var on = await CliRun.RunAsync(["maintenance", "on", "shop", "--message", message ?? new string('a', 10 * 1024), .. Server]);
        var service = await new V1.Services.ServicesClient(_channel).GetServiceAsync(new V1.GetServiceRequest { Name = "shop" }, GatewayFixture.Admin);

        Assert.True(on.Exit == ExitCodes.Usage, $"{label}: exit {on.Exit}: {on.Output}");
        Assert.Single(on.Output.Trim().Split('\n'));
        Assert.Contains("--message", on.Output, StringComparison.Ordinal);
        Assert.Null(service.Maintenance);
        Assert.Equal(before, await MapsAsync());
    }

    [Fact]
    public async Task MaintenanceOn_DeploymentInProgress_RefusedNamingIt()
    {
        // Green of cart is external and nobody listens on its port: the release waits in AwaitHealthy.
        var release = await CliRun.RunAsync(["release", "cart", "--version", "2", "--no-wait", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);

        var on = await CliRun.RunAsync(["maintenance", "on", "cart", .. Server]);
        await CliRun.RunAsync(["abort", "cart", "--no-wait", .. Server]);

        Assert.Equal(ExitCodes.Refused, on.Exit);
        Assert.Contains("service 'cart' was not put into maintenance: deployment 1 (Release to green 2", on.Output, StringComparison.Ordinal);
        Assert.Contains("bluegreen abort cart", on.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetMaintenance_HttpJson_AdminTurnsItOnReadTokenRefused()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_fleet.Server.HttpPort}") };

        using var asReader = await PostAsync(http, ServerProcess.ReadToken, """{"enabled":true,"message":"Back soon"}""");
        using var asAdmin = await PostAsync(http, ServerProcess.AdminToken, """{"enabled":true,"message":"Back soon"}""");
        var pages = await EveryProxyAsync("shop.local", r => r.Status == HttpStatusCode.ServiceUnavailable, "shop answering 503");

        Assert.Equal(HttpStatusCode.Forbidden, asReader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        using var json = JsonDocument.Parse(await asAdmin.Content.ReadAsStringAsync());
        Assert.Equal("Back soon", json.RootElement.GetProperty("maintenance").GetProperty("message").GetString());
        Assert.All(pages, p => Assert.Equal("Back soon\n", p.Body));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string token, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/services/shop/maintenance") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    /// <summary>Waits until every proxy's frontend answers <paramref name="host"/> as <paramref name="done"/> says; returns each answer.</summary>
    private Task<IReadOnlyList<FrontendReply>> EveryProxyAsync(string host, Func<FrontendReply, bool> done, string what) =>
        FleetProxies.EveryProxyAsync(_fleet, host, new Dictionary<string, string>(), done, what);

    private async Task<string> MapsAsync() =>
        string.Join("\n", await Task.WhenAll(_fleet.Proxies.Select(p => File.ReadAllTextAsync(p.MapFile))));

    private V1.ServiceSpec Spec(string name)
    {
        var (blue, green) = _fleet.Ports[name];
        var spec = new V1.ServiceSpec
        {
            Name = name,
            RouteKey = $"{name}.local",
            Blue = new V1.ColourSpec { Runtime = "external", Instances = { new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = blue } } },
            Green = new V1.ColourSpec { Runtime = "external", Instances = { new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = green } } },
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(60)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            LiveVersion = "1",
        };
        spec.Proxies.Add(Enumerable.Range(0, _fleet.Proxies.Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"edge-{i}")));
        return spec;
    }
}
