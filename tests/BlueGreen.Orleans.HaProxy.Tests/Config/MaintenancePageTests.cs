using System.Net;
using System.Text;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>
/// The maintenance backend of the rendered configuration, on a real haproxy: one for every service, 503 with the default
/// page, then with the message set in the routes map at runtime under the request's route key (base64url, decoded by
/// HAProxy), text/plain whatever it holds, and only for that route key.
/// </summary>
public sealed class MaintenancePageTests : IAsyncLifetime
{
    private HaProxyInstance _proxy = null!;

    public async Task InitializeAsync() =>
        _proxy = await HaProxyInstance.StartAsync(
            [new ServiceBackends { Name = "web", Blue = [new BackendServer("s1", "127.0.0.1", Loopback.FreePort())] }, new ServiceBackends { Name = "api" }],
            new Dictionary<string, string> { ["web.local"] = MaintenancePage.Backend, ["api.local"] = MaintenancePage.Backend, ["shop.local"] = "api_blue" });

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public void Render_ManyServices_OneMaintenanceBackendReadingTheMessageOfTheRouteKey()
    {
        var cfg = HaProxyConfigRenderer.Render(_proxy.Config);

        Assert.Contains("    http-request set-var(txn.route) req.hdr(host),field(1,:),lower\n", cfg, StringComparison.Ordinal);
        Assert.Contains($"    use_backend %[var(txn.route),map({_proxy.MapFile},no_route)]\n", cfg, StringComparison.Ordinal);
        Assert.Contains(
            "backend bluegreen_maintenance\n    http-request return status 503 content-type \"text/plain; charset=utf-8\" " +
            $"lf-string \"%[str(/Maintenance/),concat(,txn.route,),map({_proxy.MapFile},{MaintenancePage.Encode(MaintenancePage.DefaultMessage)}),ub64dec]\\n\"",
            cfg,
            StringComparison.Ordinal);
        Assert.Single(cfg.Split('\n'), line => line.StartsWith("backend bluegreen_maintenance", StringComparison.Ordinal));
        Assert.DoesNotContain("web_maintenance", cfg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_WithMaintenanceBackends_PassesHaProxyCheck() =>
        await LocalHaProxy.CheckConfigAsync(_proxy.ConfigPath);

    [Fact]
    public async Task MaintenanceBackend_MessageSetAtRuntime_503WithTheMessageOfThatRouteKeyAsPlainText()
    {
        using var http = new HttpClient { BaseAddress = _proxy.FrontendUrl };
        await using var client = _proxy.CreateClient();
        var routes = _proxy.CreateRouteMap(client);

        var byDefault = await GetAsync(http, "web.local");
        const string message = "Zurück um 10:00 <b>UTC</b>";
        await routes.SetRouteAsync(MaintenancePage.MessageKey("web.local"), MaintenancePage.Encode(message));
        var withMessage = await GetAsync(http, "Web.Local:8080");
        var other = await GetAsync(http, "api.local");
        var live = await GetAsync(http, "shop.local"); // routed to a colour: HAProxy's own 503, no page

        Assert.Equal((HttpStatusCode.ServiceUnavailable, MaintenancePage.DefaultMessage + "\n"), (byDefault.Status, byDefault.Body));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, message + "\n", "text/plain"), (withMessage.Status, withMessage.Body, withMessage.Type));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, MaintenancePage.DefaultMessage + "\n"), (other.Status, other.Body));
        Assert.DoesNotContain("maintenance", live.Body, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Body, string? Type)> GetAsync(HttpClient http, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        var body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        return (response.StatusCode, body, response.Content.Headers.ContentType?.MediaType);
    }
}
