using System.Net;
using System.Net.Sockets;
using System.Text;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>
/// The preview rules of the rendered frontend, on a real haproxy with web's blue and green echo servers: with web's
/// preview entry in the routes map, only a request for web's Host naming web (header or cookie, exactly) reaches green;
/// anything else keeps the live route, and no Host reaches green through the live route by naming the preview key.
/// </summary>
public sealed class PreviewRouteTests : IAsyncLifetime
{
    private const string Web = "web.local";
    private EchoInstance _blue = null!;
    private EchoInstance _green = null!;
    private HaProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _blue = await EchoInstance.StartAsync("blue");
        _green = await EchoInstance.StartAsync("green");
        _proxy = await HaProxyInstance.StartAsync(
            [
                new ServiceBackends { Name = "web", Blue = [new BackendServer("s1", _blue.Address, _blue.Port)], Green = [new BackendServer("s1", _green.Address, _green.Port)] },
                new ServiceBackends { Name = "api", Blue = [new BackendServer("s1", _blue.Address, _blue.Port)] },
            ],
            new Dictionary<string, string> { [Web] = "web_blue", ["api.local"] = "api_blue", [PreviewRoute.Key(Web)] = "web_green" });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _green.DisposeAsync();
        await _blue.DisposeAsync();
    }

    [Fact]
    public void Render_PreviewBeforeTheLiveRouteAndTheMarkerBackend()
    {
        var cfg = HaProxyConfigRenderer.Render(_proxy.Config);

        var preview = cfg.IndexOf("    use_backend %[var(txn.preview)] if preview_asked\n", StringComparison.Ordinal);
        var live = cfg.IndexOf("    use_backend %[var(txn.route)", StringComparison.Ordinal);
        Assert.InRange(preview, 0, live);
        Assert.Contains($"str(/Preview/),concat(,txn.route,),map({_proxy.MapFile})", cfg, StringComparison.Ordinal);
        Assert.Contains($"backend {PreviewRoute.MarkerBackend}\n", cfg, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("the header", Web, "X-BlueGreen-Preview", "web")]
    [InlineData("the cookie", Web, "Cookie", "bluegreen-preview=web")]
    [InlineData("the cookie among others", Web, "Cookie", "a=1; bluegreen-preview=web; b=2")]
    [InlineData("the Host with a port", "web.local:80", "X-BlueGreen-Preview", "web")]
    public async Task Frontend_NamingTheHostsService_Green(string label, string host, string header, string value)
    {
        var reply = await GetAsync(host, header, value);

        Assert.True(reply.Echo?.Colour == "green", $"{label}: {reply.Status} {reply.Body}");
    }

    [Theory]
    [InlineData("no header", Web, "X-Other", "web", HttpStatusCode.OK)]
    [InlineData("another service's name", Web, "X-BlueGreen-Preview", "api", HttpStatusCode.OK)]
    [InlineData("the backend's name", Web, "X-BlueGreen-Preview", "web_green", HttpStatusCode.OK)]
    [InlineData("another case", Web, "X-BlueGreen-Preview", "WEB", HttpStatusCode.OK)]
    [InlineData("a prefix", Web, "X-BlueGreen-Preview", "we", HttpStatusCode.OK)]
    [InlineData("the cookie naming another service", Web, "Cookie", "bluegreen-preview=api", HttpStatusCode.OK)]
    [InlineData("web's header to api's Host", "api.local", "X-BlueGreen-Preview", "web", HttpStatusCode.OK)]
    public async Task Frontend_AnythingElse_NeverGreen(string label, string host, string header, string value, HttpStatusCode status)
    {
        var reply = await GetAsync(host, header, value);

        Assert.True(reply.Status == status && reply.Echo?.Colour != "green", $"{label}: {reply.Status} {reply.Body}");
    }

    [Theory]
    [InlineData("/Preview/web.local")]
    [InlineData("/preview/web.local")]
    [InlineData("/PREVIEW/WEB.LOCAL")]
    public async Task Frontend_PreviewKeyAsTheHost_NoRouteNotGreen(string host)
    {
        // Raw: HttpClient refuses such a Host, a client of one's own does not.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_proxy.FrontendUrl.Host, _proxy.FrontendUrl.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\nX-BlueGreen-Preview: web\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var reply = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 404", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("green", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frontend_PreviewEntryRemoved_HeaderKeepsTheLiveRoute()
    {
        await using var client = _proxy.CreateClient();
        await _proxy.CreateRouteMap(client).RemoveRouteAsync(PreviewRoute.Key(Web));

        var reply = await GetAsync(Web, "X-BlueGreen-Preview", "web");

        Assert.Equal("blue", reply.Echo?.Colour);
    }

    private async Task<FrontendReply> GetAsync(string host, string header, string value)
    {
        using var http = new FrontendClient(_proxy.FrontendUrl);
        return await http.GetAsync(host, new Dictionary<string, string> { [header] = value });
    }
}
