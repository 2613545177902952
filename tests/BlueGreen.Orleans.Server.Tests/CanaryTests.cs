using System.Globalization;
using System.Net;
using System.Text.Json;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Harness.Load;
using BlueGreen.Orleans.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;
using Xunit.Abstractions;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Canary by weight end to end through the CLI: a real server, three real haproxy processes and echo servers started
/// by the server's process runtime, under the project's non-retrying load generator. Each weight splits every proxy's
/// live traffic between the colours, a client's cookie keeps it on its colour, the last step switches; an abort sends
/// every request back to blue and drains green before it stops; a kill -9 of the server and a reload of HAProxy keep
/// the step and the split. Not one request fails.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync, which releases both.")]
[Collection(UnderLoad.Name)]
public sealed class CanaryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] ServiceNames = ["shop", "cart"];
    private static readonly Dictionary<string, string> GreenCookie = new() { ["Cookie"] = "theme=dark; bluegreen-canary=shop_green" };
    private static readonly Dictionary<string, string> BlueCookie = new() { ["Cookie"] = "bluegreen-canary=shop_blue" };
    private static readonly Dictionary<string, string> NoHeaders = [];
    private ServerFleet _fleet = null!;
    private GrpcChannel _channel = null!;

    private string[] Server => ["--server", $"http://127.0.0.1:{_fleet.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    private V1.Deployments.DeploymentsClient Deployments => new(_channel);

    public async Task InitializeAsync()
    {
        // Three failed checks before DOWN: one slow /healthz on a loaded machine would otherwise give HAProxy's own 503.
        _fleet = await ServerFleet.StartAsync("canary", ServiceNames, TestChecks.Fast with { Fall = 3 }, proxies: 3);
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_fleet.Server.GrpcPort}");
        await FleetProxies.RegisterAsync(_channel, _fleet);

        var services = new V1.Services.ServicesClient(_channel);
        foreach (var name in ServiceNames)
        {
            await _fleet.StartBlueAsync(name);
            await services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = Spec(name) }, GatewayFixture.Admin);
            // Before any load: a request before blue's first check passed would be HAProxy's own 503, not the canary's.
            await EveryProxyAsync($"{name}.local", NoHeaders, r => r.Echo?.Colour == "blue", $"{name} on blue");
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
    public async Task ReleaseCanary_UnderLoad_EachWeightSplitsEveryProxyThenSwitches_NoFailedRequest()
    {
        await using var load = LoadGenerator.Start([.. _fleet.Proxies.Select(p => p.FrontendUrl)], new LoadOptions("shop.local", Clients: 6));

        // Followed to its end, as a user runs it: the command's output is the README's example.
        var releasing = CliRun.RunAsync(["release", "shop", "--version", "2", "--canary", "20,60,100", "--step-interval", "10s", .. Server]);

        var at20 = await SplitAsync(load, 20);
        await StickyAsync("at 20%");
        var at60 = await SplitAsync(load, 60);
        var release = await releasing;
        var done = await FinishedAsync();
        var result = await load.StopAsync();
        output.WriteLine(release.Output);

        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        Assert.Contains("Canary       canary at 20% on every proxy: 20% of new clients go to green", release.Output, StringComparison.Ordinal);
        Assert.Contains("deployment #1 release 2: succeeded in", release.Output, StringComparison.Ordinal);
        Assert.True(done.Outcome == V1.DeploymentOutcome.Succeeded, $"{done.Outcome}: {done.Error}");
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} requests failed: {string.Join("; ", result.Errors.Take(5))}");
        Assert.InRange(at20, 10, 30);
        Assert.InRange(at60, 50, 70);
        await EveryProxyAsync("shop.local", NoHeaders, r => r.Echo?.Colour == "green", "shop on green");
        foreach (var proxy in _fleet.Proxies)
        {
            Assert.DoesNotContain("/Canary/", await File.ReadAllTextAsync(proxy.MapFile), StringComparison.Ordinal);
        }

        Assert.Equal([20, 60], done.Canary);
        Assert.Equal(0, done.CanaryWeight);
        Assert.Contains(done.Events, e => e.Message.StartsWith("60% held 10 s: 0 5xx in", StringComparison.Ordinal) && e.Message.EndsWith("switching to 100%", StringComparison.Ordinal));
        var watch = await CliRun.RunAsync(["watch", "shop", .. Server]);
        Assert.Contains("canary 20% → 60% → 100%, 10 s each", watch.Output, StringComparison.Ordinal);
        var history = await CliRun.RunAsync(["history", "shop", "--output", "json", .. Server]);
        using var json = JsonDocument.Parse(history.Output);
        Assert.Equal([20, 60], json.RootElement.GetProperty("deployments")[0].GetProperty("canary").EnumerateArray().Select(w => w.GetInt32()));
    }

    [Fact]
    public async Task ReleaseCanary_AbortAtAWeight_EveryRequestBackToBlueGreenDrainedAndStopped_NoFailedRequest()
    {
        await using var load = LoadGenerator.Start([.. _fleet.Proxies.Select(p => p.FrontendUrl)], new LoadOptions("shop.local", Clients: 6));
        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--canary", "30", "--step-interval", "1h", "--no-wait", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        await SplitAsync(load, 30);

        var abort = await CliRun.RunAsync(["abort", "shop", .. Server]);
        var done = await FinishedAsync();
        var result = await load.StopAsync();

        Assert.True(abort.Exit == ExitCodes.Ok, abort.Output);
        Assert.Equal(V1.DeploymentOutcome.Aborted, done.Outcome);
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} requests failed: {string.Join("; ", result.Errors.Take(5))}");
        Assert.Contains(done.Events, e => e.Message == "fleet on blue; draining green before it stops");
        // Even a client the canary put on green is back on blue.
        await EveryProxyAsync("shop.local", GreenCookie, r => r.Echo?.Colour == "blue", "a green client back on blue");
        foreach (var proxy in _fleet.Proxies)
        {
            Assert.DoesNotContain("/Canary/", await File.ReadAllTextAsync(proxy.MapFile), StringComparison.Ordinal);
        }

        Assert.False(FleetProxies.Listening(_fleet.Ports["shop"].Green));
        Assert.Null(done.SwitchSkew);
    }

    [Fact]
    public async Task ReleaseCanary_ServerKilledAtAWeightAndHaProxyReloaded_ResumesTheSameStepThenApproveSwitches()
    {
        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--canary", "40,100", "--step-interval", "1h", "--no-wait", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        var before = await SetAsync(40);

        await _fleet.Server.KillAsync();
        await _fleet.Proxies[0].ReloadAsync();
        await _fleet.Proxies[1].RestartAsync();
        // The split lives in HAProxy and its map file: it goes on without the server, across a reload and a restart.
        await SplitOnEveryProxyAsync("the server down, edge-0 reloaded, edge-1 restarted");

        await _fleet.Server.StartAsync();
        _channel.Dispose();
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_fleet.Server.GrpcPort}");
        var resumed = await GetAsync();
        Assert.Equal((V1.DeploymentStep.Canary, V1.DeploymentOutcome.Running, 40, 0), (resumed.Step, resumed.Outcome, resumed.CanaryWeight, resumed.CanaryIndex));
        Assert.Equal(before.StepDeadline, resumed.StepDeadline);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(before.Events.Count, (await GetAsync()).Events.Count(e => e.Sequence <= before.Events[^1].Sequence));
        await SplitOnEveryProxyAsync("after the restart");

        var approve = await CliRun.RunAsync(["approve", "shop", .. Server]);

        Assert.True(approve.Exit == ExitCodes.Ok, approve.Output);
        Assert.Contains("deployment #1 release 2: succeeded", approve.Output, StringComparison.Ordinal);
        Assert.Contains($"approved by {ServerProcess.AdminTokenName}", approve.Output, StringComparison.Ordinal);
        await EveryProxyAsync("shop.local", BlueCookie, r => r.Echo?.Colour == "green", "a blue client on green after the switch");
    }

    [Fact]
    public async Task ReleaseCanary_InvalidCanaryFields_RefusedAtEveryEdgeNothingStarted()
    {
        foreach (var (args, message) in new (string[], string)[]
        {
            (["--canary", "50,10"], "--canary: weights must rise: 10 after 50"),
            (["--canary", "0,100"], "--canary: weight 0 is not between 1 and 100"),
            (["--canary", "100"], "--canary: must hold some traffic below 100"),
            (["--canary", "10; shutdown sessions server shop_blue/s1"], "--canary: must be whole percentages"),
            (["--step-interval", "30s"], "--step-interval: only with --canary"),
            (["--canary", "10", "--step-interval", "500ms"], "--step-interval: must be at least 1 s"),
            (["--canary", "10", "--hold"], "--canary: not with --hold"),
        })
        {
            var run = await CliRun.RunAsync(["release", "shop", "--version", "2", .. args, .. Server]);
            Assert.True(run.Exit == ExitCodes.Usage, $"{string.Join(' ', args)}: exit {run.Exit}: {run.Output}");
            Assert.Single(run.Output.Trim().Split('\n'));
            Assert.Contains(message, run.Output, StringComparison.Ordinal);
        }

        foreach (var (request, field) in new (V1.ReleaseRequest, string)[]
        {
            (Request(10, 5), "canary"),
            (Request(0, 50), "canary"),
            (Set(Request(), r => r.CanaryStepInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(30))), "canary_step_interval"),
            (Set(Request(10), r => r.CanaryStepInterval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500))), "canary_step_interval"),
            (Set(Request(10), r => r.Hold = true), "canary"),
        })
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await Deployments.ReleaseAsync(request, GatewayFixture.Admin));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.StartsWith($"{field}: ", e.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Empty((await Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = "shop" }, GatewayFixture.Admin)).Deployments);
        Assert.False(FleetProxies.Listening(_fleet.Ports["shop"].Green));

        // A service routed by shop's split key would set shop's split: no route key is one.
        var hijack = Spec("cart");
        hijack.RouteKey = "/Canary/shop.local";
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await new V1.Services.ServicesClient(_channel).ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = hijack }, GatewayFixture.Admin));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("not starting with /Preview/, /Canary/ or /Maintenance/", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleaseCanary_ProxyConfigWithoutCanaryRules_RefusedNamingTheProxyNothingStarted()
    {
        // edge-1 runs a config rendered before canary: no canary rules, no marker backend.
        var proxy = _fleet.Proxies[1];
        var lines = (await File.ReadAllLinesAsync(proxy.ConfigPath)).Where(l => !l.Contains("canary", StringComparison.OrdinalIgnoreCase));
        await File.WriteAllLinesAsync(proxy.ConfigPath, lines);
        await proxy.ReloadAsync();

        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--canary", "10", .. Server]);

        Assert.Equal(ExitCodes.Refused, release.Exit);
        Assert.Contains("service 'shop' was not released, nothing was started: a canary release needs the canary rules on every proxy, and edge-1:", release.Output, StringComparison.Ordinal);
        Assert.Contains("bluegreen_canary", release.Output, StringComparison.Ordinal);
        Assert.Empty((await Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = "shop" }, GatewayFixture.Admin)).Deployments);
        Assert.False(FleetProxies.Listening(_fleet.Ports["shop"].Green));
    }

    private static V1.ReleaseRequest Request(params int[] canary)
    {
        var request = new V1.ReleaseRequest { Service = "shop", Version = "2" };
        request.Canary.AddRange(canary);
        return request;
    }

    private static V1.ReleaseRequest Set(V1.ReleaseRequest request, Action<V1.ReleaseRequest> change)
    {
        var copy = request.Clone();
        change(copy);
        return copy;
    }

    private Task<V1.Deployment> GetAsync() =>
        Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "shop", Id = 1 }, GatewayFixture.Admin).ResponseAsync;

    /// <summary>The deployment, or an empty one while the release that creates it has not been accepted yet.</summary>
    private async Task<V1.Deployment> GetOrEmptyAsync()
    {
        try
        {
            return await GetAsync();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return new V1.Deployment();
        }
    }

    /// <summary>Waits until <paramref name="weight"/> is set on every proxy (its event); returns the record then.</summary>
    private Task<V1.Deployment> SetAsync(int weight) =>
        Eventually.UntilAsync(GetOrEmptyAsync, d => d.Events.Any(e => e.Message.StartsWith(string.Create(CultureInfo.InvariantCulture, $"canary at {weight}% on every proxy"), StringComparison.Ordinal)) || d.FinishedAt is not null,
            TimeSpan.FromSeconds(60), string.Create(CultureInfo.InvariantCulture, $"canary at {weight}%"));

    /// <summary>Green's share, in percent, of the load's answers over 3 s once <paramref name="weight"/> is set.</summary>
    private async Task<double> SplitAsync(LoadGenerator load, int weight)
    {
        var set = await SetAsync(weight);
        Assert.True(set.FinishedAt is null, $"ended before {weight}%: {set.Outcome} {set.Error}");
        var first = load.Snapshot();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var last = load.Snapshot();
        var green = last.ByColour.GetValueOrDefault("green") - first.ByColour.GetValueOrDefault("green");
        var blue = last.ByColour.GetValueOrDefault("blue") - first.ByColour.GetValueOrDefault("blue");
        Assert.True(green + blue >= 300, $"only {green + blue} answers in 3 s at {weight}%");
        return 100.0 * green / (green + blue);
    }

    /// <summary>A client's cookie keeps it on its colour on every proxy; cart (no canary) ignores shop's cookie.</summary>
    private async Task StickyAsync(string what)
    {
        for (var i = 0; i < 5; i++)
        {
            await EveryProxyAsync("shop.local", GreenCookie, r => r.Echo?.Colour == "green", $"{what}: a green client stays on green");
            await EveryProxyAsync("shop.local", BlueCookie, r => r.Echo?.Colour == "blue", $"{what}: a blue client stays on blue");
            await EveryProxyAsync("cart.local", GreenCookie, r => r.Echo?.Colour == "blue", $"{what}: cart's live route whatever shop's cookie");
        }
    }

    /// <summary>On every proxy, 100 cookieless requests meet both colours (40% of them to green: never none, never all).</summary>
    private async Task SplitOnEveryProxyAsync(string what)
    {
        foreach (var (proxy, i) in _fleet.Proxies.Select((p, i) => (p, i)))
        {
            using var http = new FrontendClient(proxy.FrontendUrl);
            var colours = new List<string?>();
            for (var n = 0; n < 100; n++)
            {
                var reply = await Eventually.UntilAsync(() => http.GetAsync("shop.local"), r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(20), $"edge-{i}: {what}");
                colours.Add(reply.Echo?.Colour);
            }

            Assert.True(colours.Contains("green") && colours.Contains("blue"), $"edge-{i}, {what}: {colours.Count(c => c == "green")} of 100 on green");
        }
    }

    private Task<V1.Deployment> FinishedAsync() =>
        Eventually.UntilAsync(GetAsync, d => d.FinishedAt is not null, TimeSpan.FromSeconds(120), "the canary release finished");

    /// <summary>Waits until every proxy's frontend answers <paramref name="host"/> as <paramref name="done"/> says; returns each answer.</summary>
    private Task<IReadOnlyList<FrontendReply>> EveryProxyAsync(string host, IReadOnlyDictionary<string, string> headers, Func<FrontendReply, bool> done, string what) =>
        FleetProxies.EveryProxyAsync(_fleet, host, headers, done, what);

    private V1.ServiceSpec Spec(string name)
    {
        var (blue, green) = _fleet.Ports[name];
        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        var spec = new V1.ServiceSpec
        {
            Name = name,
            RouteKey = $"{name}.local",
            Blue = colour.Clone(),
            Green = colour.Clone(),
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(60)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            LiveVersion = "1",
        };
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = green });
        spec.Proxies.Add(Enumerable.Range(0, _fleet.Proxies.Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"edge-{i}")));
        return spec;
    }
}
