using System.Globalization;
using System.Net;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using BlueGreen.Orleans.Web.Tests.Support;
using Microsoft.Playwright;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Web.Tests;

/// <summary>
/// The web view in a real browser (Debian's headless chromium) against a real fleet (<see cref="WebStage"/>): what the
/// pages show is what the server and the three haproxy processes hold; a release started from the page is followed
/// step by step and proxy by proxy; a read token gets no action buttons and the API refuses it anyway; a wrong token
/// is refused in words. Each case is independent of the others' order: it reads the state it starts from.
/// </summary>
public sealed class WebViewTests(WebStage stage) : IClassFixture<WebStage>
{
    private const string WrongToken = "wrong-token-0123456789abcdef";
    private static readonly string[] ActionNames = ["Release", "Promote", "Rollback", "Abort", "Approve"];

    private static string Colour(string? backend) => backend?.EndsWith("_green", StringComparison.Ordinal) == true ? "green" : "blue";

    [Fact]
    public async Task ServicesAndProxiesPages_AdminToken_ShowTheRealFleet()
    {
        await using var web = await stage.OpenAsync();
        await web.SignInAsync(ServerProcess.AdminToken);
        var row = web.Page.Locator($"tr[data-service='{WebStage.Service}']");
        await row.WaitForAsync();
        var routes = await stage.RoutesAsync();
        var service = await stage.Services.GetServiceAsync(new V1.GetServiceRequest { Name = WebStage.Service }, WebStage.Admin);

        var live = await row.Locator("td.live").InnerTextAsync();
        var text = await row.InnerTextAsync();
        Assert.Contains($"Signed in as {ServerProcess.AdminTokenName} (admin", await web.Page.Locator("#who").InnerTextAsync(), StringComparison.Ordinal);
        // The colour named in text, the one every real haproxy routes the key to.
        Assert.All(routes, r => Assert.Equal(Colour(r), live.Trim()));
        foreach (var (colour, version) in service.Versions)
        {
            Assert.Contains($"{colour} version {version}", text, StringComparison.Ordinal);
        }

        Assert.Contains("edge-0, edge-1, edge-2", text, StringComparison.Ordinal);
        Assert.Contains($"{WebStage.Service}.local", text, StringComparison.Ordinal);
        await web.ScreenshotAsync("services.png");

        await web.Page.GetByRole(AriaRole.Link, new() { Name = "Proxies" }).ClickAsync();
        await web.Page.Locator("tr[data-proxy]").Nth(WebStage.ProxyCount - 1).WaitForAsync();
        for (var i = 0; i < WebStage.ProxyCount; i++)
        {
            await using var client = stage.Proxies[i].CreateClient();
            var info = await client.ShowInfoAsync();
            var proxyRow = web.Page.Locator($"tr[data-proxy='{WebStage.ProxyId(i)}']");
            Assert.Equal("reachable", (await proxyRow.Locator("td.reachable").InnerTextAsync()).Trim());
            Assert.Equal(info.Pid.ToString(CultureInfo.InvariantCulture), (await proxyRow.Locator("td.pid").InnerTextAsync()).Trim());
            Assert.Equal($"{WebStage.Service}.local → {routes[i]}", (await proxyRow.Locator("td.routes").InnerTextAsync()).Trim());
        }

        await web.ScreenshotAsync("proxies.png");
        Assert.Empty(web.Errors);
    }

    [Fact]
    public async Task Release_StartedFromThePage_EveryStepAndProxySwitchShownAsItHappens()
    {
        await using var web = await stage.OpenAsync();
        var before = Colour((await stage.RoutesAsync())[0]);
        var target = before == "blue" ? "green" : "blue";
        var version = "2-" + Guid.NewGuid().ToString("N")[..6];
        await web.SignInAsync(ServerProcess.AdminToken);

        await web.Page.GetByRole(AriaRole.Button, new() { Name = $"Release {WebStage.Service}" }).ClickAsync();
        var dialog = web.Page.Locator("#confirm");
        Assert.True(await dialog.IsVisibleAsync());
        await web.Page.Locator("#version").FillAsync(version);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await web.WaitForDeploymentPageAsync();

        // Read the page while the deployment runs: what it shows at each moment.
        var seen = new List<(string Status, string Step, int Switched)>();
        var screenshot = false;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            limit.Token.ThrowIfCancellationRequested();
            var status = await web.Page.Locator("p.status").InnerTextAsync();
            var step = await web.Page.Locator("li.current").AllInnerTextsAsync();
            var switched = await web.Page.Locator("td.switched", new() { HasTextString = "switched at" }).CountAsync();
            seen.Add((status, step.Count > 0 ? step[0] : string.Empty, switched));
            // Every proxy switched: the drain is running (or, on a fast machine, already done).
            if (!screenshot && switched == WebStage.ProxyCount)
            {
                await web.ScreenshotAsync("deployment.png");
                screenshot = true;
            }

            if (status.StartsWith("Finished", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(50, limit.Token);
        }

        var id = long.Parse(web.Page.Url.Split('/')[^1], CultureInfo.InvariantCulture);
        var done = await stage.Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = WebStage.Service, Id = id }, WebStage.Admin);
        var routes = await stage.RoutesAsync();
        var timeline = await web.Page.Locator("ol.timeline li").AllInnerTextsAsync();
        var events = await web.Page.Locator("ol.events li").AllInnerTextsAsync();

        Assert.Equal(V1.DeploymentOutcome.Succeeded, done.Outcome);
        Assert.Equal(version, done.Version);
        Assert.Equal(ServerProcess.AdminTokenName, done.RequestedBy);
        Assert.All(routes, r => Assert.Equal($"{WebStage.Service}_{target}", r));
        Assert.Equal("Finished: succeeded.", seen[^1].Status);
        // Seen running, in more than one step, before it finished; the proxies' switches counted up, never down.
        var running = seen.Where(s => s.Status.StartsWith("Live", StringComparison.Ordinal)).ToList();
        Assert.True(running.Select(s => s.Step).Distinct().Count() >= 2, "steps seen while running: " + string.Join(", ", running.Select(s => s.Step).Distinct()));
        Assert.Contains(running, s => s.Switched < WebStage.ProxyCount);
        Assert.Equal(seen.Select(s => s.Switched).Order(), seen.Select(s => s.Switched));
        Assert.Equal(WebStage.ProxyCount, seen[^1].Switched);
        foreach (var step in new[] { "provision", "await healthy", "switch", "drain" })
        {
            Assert.Contains($"{step}: done", timeline);
        }

        // Every event of the deployment, once, in order; one row per proxy with its switch.
        Assert.Equal(done.Events.Count, events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            Assert.EndsWith(done.Events[i].Message, events[i], StringComparison.Ordinal);
        }

        foreach (var proxy in done.Proxies)
        {
            var row = web.Page.Locator($"tr[data-proxy='{proxy.ProxyId}']");
            Assert.StartsWith("switched at ", await row.Locator("td.switched").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("UP", await row.Locator("td.health").InnerTextAsync(), StringComparison.Ordinal);
        }

        var summary = await web.Page.Locator("dl.summary").InnerTextAsync();
        Assert.Contains(before, summary, StringComparison.Ordinal);
        Assert.Contains(target, summary, StringComparison.Ordinal);

        // The history says who did it.
        await web.Page.GetByRole(AriaRole.Link, new() { Name = $"History of {WebStage.Service}" }).ClickAsync();
        var entry = web.Page.Locator("tr", new() { Has = web.Page.GetByRole(AriaRole.Link, new() { Name = $"#{id}", Exact = true }) });
        await entry.WaitForAsync();
        var line = await entry.InnerTextAsync();
        Assert.Contains(version, line, StringComparison.Ordinal);
        Assert.Contains("succeeded", line, StringComparison.Ordinal);
        Assert.Contains(ServerProcess.AdminTokenName, line, StringComparison.Ordinal);
        Assert.Empty(web.Errors);
    }

    [Fact]
    public async Task Canary_ApprovedFromItsPage_ShowsTheWeightThenSwitches()
    {
        await using var web = await stage.OpenAsync();
        var target = Colour((await stage.RoutesAsync())[0]) == "blue" ? "green" : "blue";
        await web.SignInAsync(ServerProcess.AdminToken);
        await web.Page.GetByText($"Signed in as {ServerProcess.AdminTokenName}").WaitForAsync();
        var request = new V1.ReleaseRequest
        {
            Service = WebStage.Service,
            Version = "3-" + Guid.NewGuid().ToString("N")[..6],
            CanaryStepInterval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1)),
        };
        request.Canary.Add(30);
        var started = await stage.Deployments.ReleaseAsync(request, WebStage.Admin);

        await web.Page.GotoAsync($"{stage.BaseUrl}/#/services/{WebStage.Service}/deployments/{started.Id}");
        var canary = web.Page.Locator("span.canary", new() { HasTextString = "now 30% (step 1 of 2)" });
        await canary.WaitForAsync(new() { Timeout = 60_000 });
        var plan = await canary.InnerTextAsync();
        var timeline = await web.Page.Locator("ol.timeline li").AllInnerTextsAsync();
        await web.ScreenshotAsync("canary.png");
        await web.Page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        var dialog = web.Page.Locator("#confirm");
        Assert.Contains("send all traffic to the new colour now", await dialog.InnerTextAsync(), StringComparison.Ordinal);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await web.Page.Locator("p.status", new() { HasTextString = "Finished" }).WaitForAsync(new() { Timeout = 60_000 });

        var done = await stage.Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = WebStage.Service, Id = started.Id }, WebStage.Admin);
        Assert.StartsWith("30% → 100%, 3600s each", plan, StringComparison.Ordinal);
        Assert.Contains("canary: in progress", timeline);
        Assert.Equal(V1.DeploymentOutcome.Succeeded, done.Outcome);
        Assert.Equal(ServerProcess.AdminTokenName, done.ApprovedBy);
        Assert.Equal("Finished: succeeded.", await web.Page.Locator("p.status").InnerTextAsync());
        Assert.Contains($"Approved by{ServerProcess.AdminTokenName}", (await web.Page.Locator("dl.summary").InnerTextAsync()).Replace("\n", string.Empty, StringComparison.Ordinal).Replace("\t", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.All(await stage.RoutesAsync(), r => Assert.Equal($"{WebStage.Service}_{target}", r));
        Assert.Empty(web.Errors);
    }

    [Fact]
    public async Task ReadToken_NoActionButtons_AndTheApiRefusesTheCallsAnyway()
    {
        await using var web = await stage.OpenAsync();
        await web.SignInAsync(ServerProcess.ReadToken);
        await web.Page.Locator($"tr[data-service='{WebStage.Service}']").WaitForAsync();
        var routesBefore = await stage.RoutesAsync();
        var history = await stage.Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = WebStage.Service }, WebStage.Admin);

        var onServices = await web.Page.GetByRole(AriaRole.Button).AllInnerTextsAsync();
        await web.Page.GetByRole(AriaRole.Link, new() { Name = $"{WebStage.Service}: history" }).ClickAsync();
        await web.Page.GetByRole(AriaRole.Heading, new() { Name = $"History of {WebStage.Service}" }).WaitForAsync();
        var onHistory = await web.Page.GetByRole(AriaRole.Button).AllInnerTextsAsync();

        // The page's own fetch, with the read token from its session storage, straight at the admin routes.
        var answers = new List<string>();
        foreach (var verb in new[] { "release", "promote", "rollback", "abort" })
        {
            var answer = await web.Page.EvaluateAsync<string>(
                "async (verb) => { const r = await fetch(`/v1/services/web/${verb}`, { method: 'POST', headers: { Authorization: `Bearer ${sessionStorage.getItem('bluegreen.token')}`, 'Content-Type': 'application/json' }, body: JSON.stringify(verb === 'release' ? { version: '9' } : {}) }); return `${r.status} ${(await r.json()).message}`; }",
                verb);
            answers.Add($"{verb}: {answer}");
        }

        var after = await stage.Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = WebStage.Service }, WebStage.Admin);
        var routesAfter = await stage.RoutesAsync();
        var held = answers.All(a => a.Contains(": 403 ", StringComparison.Ordinal)) && after.Deployments.Count == history.Deployments.Count && routesBefore.SequenceEqual(routesAfter);
        AttackLog.Record("web view", "read token signed in: action buttons looked for on the services and history pages, then release/promote/rollback/abort sent by the page's own fetch with that token", string.Join("; ", answers) + $"; deployments {history.Deployments.Count} → {after.Deployments.Count}; routes unchanged: {routesBefore.SequenceEqual(routesAfter)}", held && !onServices.Concat(onHistory).Any(IsAction));
        Assert.Contains($"Signed in as {ServerProcess.ReadTokenName} (read only)", await web.Page.Locator("#who").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(onServices, IsAction);
        Assert.DoesNotContain(onHistory, IsAction);
        Assert.All(answers, a => Assert.Contains(": 403 ", a, StringComparison.Ordinal));
        Assert.All(answers, a => Assert.Contains("needs an admin token", a, StringComparison.Ordinal));
        Assert.Equal(history.Deployments.Count, after.Deployments.Count);
        Assert.Equal(routesBefore, routesAfter);
        Assert.Empty(web.Errors);
    }

    private static bool IsAction(string text) => ActionNames.Any(a => text.StartsWith(a, StringComparison.Ordinal));

    [Fact]
    public async Task WrongToken_RefusedInWordsAndNothingShown()
    {
        await using var web = await stage.OpenAsync();
        await web.SignInAsync(WrongToken);
        var message = web.Page.Locator("#message");
        await message.Filter(new() { HasTextString = "refused" }).WaitForAsync();

        var text = await message.InnerTextAsync();
        var stored = await web.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('bluegreen.token')");
        AttackLog.Record("web view", "a wrong token pasted into the sign-in", $"page says '{text}'; tables shown: {await web.Page.Locator("table").CountAsync()}; token kept: {stored is not null}", stored is null);
        Assert.Equal("The server refused this token: A valid bearer token is required (authorization: Bearer <token>).", text);
        Assert.True(await web.Page.Locator("#sign-in").IsVisibleAsync());
        Assert.Equal(0, await web.Page.Locator("table").CountAsync());
        Assert.Null(stored);
        Assert.DoesNotContain(WrongToken, web.Page.Url, StringComparison.Ordinal);
        Assert.Empty(web.Errors);
    }

    [Fact]
    public async Task Page_NoToken_ServedWithASecurityPolicyAndNoInlineScript()
    {
        using var http = new HttpClient();
        using var page = await http.GetAsync(new Uri(stage.BaseUrl + "/"));
        var html = await page.Content.ReadAsStringAsync();
        using var script = await http.GetAsync(new Uri(stage.BaseUrl + "/web/app.js"));
        using var data = await http.GetAsync(new Uri(stage.BaseUrl + "/v1/services"));
        using var other = await http.GetAsync(new Uri(stage.BaseUrl + "/web/../appsettings.json"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
        Assert.DoesNotMatch("\\son[a-z]+=", html);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, data.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Keyboard_TabToReleaseEnterThenEscape_DialogClosesAndNothingStarts()
    {
        await using var web = await stage.OpenAsync();
        await web.SignInAsync(ServerProcess.AdminToken);
        await web.Page.Locator($"tr[data-service='{WebStage.Service}']").WaitForAsync();
        var before = await stage.Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = WebStage.Service }, WebStage.Admin);

        string? focused = null;
        for (var i = 0; i < 30 && focused != $"Release {WebStage.Service}"; i++)
        {
            await web.Page.Keyboard.PressAsync("Tab");
            focused = await web.Page.EvaluateAsync<string?>("() => document.activeElement?.getAttribute('aria-label')");
        }

        var outline = await web.Page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
        await web.Page.Keyboard.PressAsync("Enter");
        var dialogOpen = await web.Page.Locator("#confirm").IsVisibleAsync();
        var inDialog = await web.Page.EvaluateAsync<string?>("() => document.activeElement?.id");
        await web.Page.Keyboard.PressAsync("Escape");
        var after = await stage.Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = WebStage.Service }, WebStage.Admin);

        Assert.Equal($"Release {WebStage.Service}", focused);
        Assert.Equal("solid", outline);
        Assert.True(dialogOpen);
        Assert.Equal("version", inDialog);
        Assert.False(await web.Page.Locator("#confirm").IsVisibleAsync());
        Assert.Equal(before.Deployments.Count, after.Deployments.Count);
        Assert.Empty(web.Errors);
    }
}
