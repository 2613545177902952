using System.Net;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.Harness;
using Xunit.Abstractions;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>
/// The canary rules of the rendered frontend, on a real haproxy with web's blue and green echo servers and api's own:
/// with web's canary entry in the routes map, a cookieless request for web's Host is drawn (green with the entry's
/// weight in percent) and told by cookie where it went; a cookie naming exactly web's target or live backend keeps it
/// there; any other cookie is drawn like none; other route keys, previews and the live route stay as they were.
/// </summary>
public sealed class CanaryRouteTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Web = "web.local";
    private const string Api = "api.local";

    // 2,000 draws: one standard deviation of a share is at most 1.1 points, so ±5 points is more than 4.
    private const int Draws = 2000;
    private EchoInstance _blue = null!;
    private EchoInstance _green = null!;
    private EchoInstance _api = null!;
    private HaProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _blue = await EchoInstance.StartAsync("blue");
        _green = await EchoInstance.StartAsync("green");
        _api = await EchoInstance.StartAsync("api");
        _proxy = await HaProxyInstance.StartAsync(
            [
                new ServiceBackends { Name = "web", Blue = [_blue.AsServer("s1")], Green = [_green.AsServer("s1")] },
                new ServiceBackends { Name = "api", Blue = [_api.AsServer("s1")], Green = [_api.AsServer("s1")] },
            ],
            new Dictionary<string, string> { [Web] = "web_blue", [Api] = "api_blue", [CanaryRoute.Key(Web)] = CanaryRoute.Value(30, "web_green") });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _api.DisposeAsync();
        await _green.DisposeAsync();
        await _blue.DisposeAsync();
    }

    [Fact]
    public async Task Render_CanaryRoutesBetweenThePreviewAndTheLiveRouteAndTheMarkerBackend()
    {
        var cfg = HaProxyConfigRenderer.Render(_proxy.Config);
        var lines = cfg.Split("\n\n").Single(section => section.StartsWith("frontend http\n", StringComparison.Ordinal)).Split('\n');

        var preview = Array.IndexOf(lines, "    use_backend %[var(txn.preview)] if preview_asked");
        var kept = Array.IndexOf(lines, "    use_backend %[var(txn.canary_target)] if canary_kept_target");
        var drawn = Array.IndexOf(lines, "    use_backend %[var(txn.canary_drawn)] if { var(txn.canary_drawn) -m found }");
        var live = Array.FindIndex(lines, line => line.StartsWith("    use_backend %[var(txn.route)", StringComparison.Ordinal));
        Assert.True(preview >= 0 && preview < kept && kept < drawn && drawn < live, $"preview {preview}, kept {kept}, drawn {drawn}, live {live}");
        // HAProxy runs every http-request rule before the first use_backend, and warns about one written after it.
        Assert.True(
            Array.FindLastIndex(lines, line => line.StartsWith("    http-request ", StringComparison.Ordinal)) < preview,
            "an http-request rule after a use_backend");
        Assert.Contains($"    http-request set-var(txn.canary) str(/Canary/),concat(,txn.route,),map({_proxy.MapFile})\n", cfg, StringComparison.Ordinal);
        Assert.Contains("\"bluegreen-canary=%[var(txn.canary_drawn)]; Path=/; HttpOnly; SameSite=Lax\"", cfg, StringComparison.Ordinal);
        Assert.Contains($"backend {CanaryRoute.MarkerBackend}\n", cfg, StringComparison.Ordinal);
        await LocalHaProxy.CheckConfigAsync(_proxy.ConfigPath);
    }

    [Theory]
    [InlineData(30, 5)]
    [InlineData(1, 3)]
    [InlineData(99, 3)]
    public async Task Frontend_CookielessRequests_TheWeightsShareGreenEachToldWhereItWent(int weight, int points)
    {
        await SetCanaryAsync(weight);

        var replies = await SendAsync(Web, Draws);

        var green = Share(replies, "green");
        output.WriteLine($"weight {weight}: {green:F2} % green of {Draws}");
        Assert.InRange(green, weight - points, weight + points);
        // Both colours at 1 and 99 too: a weight that rounds to nothing would pass the range alone.
        Assert.Contains(replies, reply => reply.Echo?.Colour == "green");
        Assert.Contains(replies, reply => reply.Echo?.Colour == "blue");
        AssertDrawn(replies);
    }

    [Fact]
    public async Task Frontend_RouteKeyWithoutEntry_LiveAndNoCookieWhileWebSplits()
    {
        var web = await SendAsync(Web, 100);
        var plain = await SendAsync(Api, 100);
        var namingWeb = await SendAsync(Api, 100, "bluegreen-canary=web_green");
        var namingApi = await SendAsync(Api, 100, "bluegreen-canary=api_green");

        // Web's entry draws on this proxy, so what follows is the missing entry's doing, not missing rules.
        AssertDrawn(web);
        Assert.All(plain.Concat(namingWeb).Concat(namingApi), reply =>
        {
            Assert.Equal("api", reply.Echo?.Colour);
            Assert.Empty(reply.SetCookies);
        });
    }

    [Theory]
    [InlineData("bluegreen-canary=web_green", "green")]
    [InlineData("bluegreen-canary=web_blue", "blue")]
    [InlineData("a=1; bluegreen-canary=web_green; b=2", "green")]
    // The ';' ends the cookie (RFC 6265 cookie-string): this is the cookie web_green, as HAProxy and browsers read it.
    [InlineData("bluegreen-canary=web_green;", "green")]
    public async Task Frontend_CookieNamingTargetOrLive_StaysThereWithoutNewCookie(string cookie, string colour)
    {
        // At 50 % a cookie that was not kept would send about half of them to the other colour.
        await SetCanaryAsync(50);

        var replies = await SendAsync(Web, 200, cookie);

        Assert.All(replies, reply =>
        {
            Assert.Equal(colour, reply.Echo?.Colour);
            Assert.Empty(reply.SetCookies);
        });
    }

    [Theory]
    [InlineData("api_green")]
    [InlineData("api_blue")]
    [InlineData("WEB_GREEN")]
    [InlineData("web_gree")]
    [InlineData("web_green_x")]
    [InlineData("\"web_green\"")]
    [InlineData("web_green x")]
    [InlineData("no_route")]
    [InlineData("bluegreen_maintenance")]
    [InlineData("")]
    public async Task Frontend_CookieNamingAnythingElse_DrawnLikeNoCookie(string value)
    {
        await SetCanaryAsync(50);

        var replies = await SendAsync(Web, 200, $"bluegreen-canary={value}");

        // Never api's backend nor any other the cookie names: a web colour, drawn, and told which by a cookie of its own.
        AssertDrawn(replies);
        Assert.Contains(replies, reply => reply.Echo?.Colour == "green");
        Assert.Contains(replies, reply => reply.Echo?.Colour == "blue");
    }

    [Fact]
    public async Task Frontend_PreviewAndCanary_PreviewRequestGoesToThePreviewTarget()
    {
        await SetRouteAsync(PreviewRoute.Key(Web), "web_green");
        // Weight 1: a preview request drawn by the canary would land on blue 99 times in 100.
        await SetCanaryAsync(1);

        var others = await SendAsync(Web, 100);
        var previews = await SendAsync(Web, 100, headers: new Dictionary<string, string> { [PreviewRoute.Header] = "web" });
        var previewsWithCookie = await SendAsync(
            Web, 100, headers: new Dictionary<string, string> { [PreviewRoute.Header] = "web", ["Cookie"] = "bluegreen-canary=web_blue" });

        AssertDrawn(others);
        Assert.All(previews.Concat(previewsWithCookie), reply =>
        {
            Assert.Equal("green", reply.Echo?.Colour);
            Assert.Empty(reply.SetCookies);
        });
    }

    [Fact]
    public async Task Frontend_EntryChangedAtRuntime_SplitFollowsWithoutReloadAndEndsWithTheEntry()
    {
        await using var client = _proxy.CreateClient();
        var worker = (await client.ShowInfoAsync()).Pid;

        var before = Share(await SendAsync(Web, Draws), "green");
        await client.SetMapAsync(_proxy.MapFile, CanaryRoute.Key(Web), CanaryRoute.Value(80, "web_green"));
        var changed = await SendAsync(Web, Draws);
        await client.DeleteMapAsync(_proxy.MapFile, CanaryRoute.Key(Web));
        var ended = await SendAsync(Web, 200);

        var after = Share(changed, "green");
        output.WriteLine($"30 → {before:F2} % green, set map to 80 → {after:F2} % green of {Draws}");
        Assert.InRange(before, 25, 35);
        Assert.InRange(after, 75, 85);
        AssertDrawn(changed);
        Assert.All(ended, reply =>
        {
            Assert.Equal("blue", reply.Echo?.Colour);
            Assert.Empty(reply.SetCookies);
        });
        Assert.Equal(worker, (await client.ShowInfoAsync()).Pid);
    }

    [Fact]
    public async Task Frontend_Reload_SplitKeptFromTheMapFile()
    {
        // File and runtime: the reload reads the file, so 80 (not the 30 it started with) shows it was read.
        await SetRouteAsync(CanaryRoute.Key(Web), CanaryRoute.Value(80, "web_green"));

        await _proxy.ReloadAsync();
        var replies = await SendAsync(Web, Draws);

        var green = Share(replies, "green");
        output.WriteLine($"after reload at 80: {green:F2} % green of {Draws}");
        Assert.InRange(green, 75, 85);
        AssertDrawn(replies);
    }

    [Fact]
    public async Task Frontend_LiveRouteInMaintenance_DrawsOfLiveGetThePage()
    {
        await SetRouteAsync(Web, MaintenancePage.Backend);

        var replies = await SendAsync(Web, Draws);

        var green = Share(replies, "green");
        output.WriteLine($"live in maintenance at 30: {green:F2} % green of {Draws}, the rest the page");
        Assert.InRange(green, 25, 35);
        Assert.All(replies, reply =>
        {
            var page = reply.Status == HttpStatusCode.ServiceUnavailable && reply.Body == MaintenancePage.DefaultMessage + "\n";
            Assert.True(page || reply.Echo?.Colour == "green", $"{reply.Status} {reply.Body}");
            Assert.Equal([Cookie(page ? MaintenancePage.Backend : "web_green")], reply.SetCookies);
        });
    }

    private static string Cookie(string backend) => $"bluegreen-canary={backend}; Path=/; HttpOnly; SameSite=Lax";

    private static double Share(IReadOnlyList<FrontendReply> replies, string colour) =>
        100.0 * replies.Count(reply => reply.Echo?.Colour == colour) / replies.Count;

    /// <summary>Each reply came from web's blue or green, with exactly one cookie, naming that backend.</summary>
    private static void AssertDrawn(IReadOnlyList<FrontendReply> replies) =>
        Assert.All(replies, reply =>
        {
            Assert.True(reply.Echo?.Colour is "blue" or "green", $"{reply.Status} {reply.Body}");
            Assert.Equal([Cookie($"web_{reply.Echo!.Colour}")], reply.SetCookies);
        });

    private Task SetCanaryAsync(int weight) => SetRouteAsync(CanaryRoute.Key(Web), CanaryRoute.Value(weight, "web_green"));

    /// <summary>Sets a route in the map file and at runtime, as the orchestrator does.</summary>
    private async Task SetRouteAsync(string key, string value)
    {
        await using var client = _proxy.CreateClient();
        await _proxy.CreateRouteMap(client).SetRouteAsync(key, value);
    }

    /// <summary>Sends <paramref name="count"/> requests one by one, each as a new user (no cookie jar) unless given one.</summary>
    private async Task<IReadOnlyList<FrontendReply>> SendAsync(
        string host, int count, string? cookie = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var sent = new Dictionary<string, string>(headers ?? new Dictionary<string, string>());
        if (cookie is not null)
        {
            sent["Cookie"] = cookie;
        }

        using var http = new FrontendClient(_proxy.FrontendUrl);
        var replies = new List<FrontendReply>(count);
        for (var i = 0; i < count; i++)
        {
            replies.Add(await http.GetAsync(host, sent));
        }

        return replies;
    }
}
