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
/// Hold for approval and preview end to end through the CLI: a real server, three real haproxy processes and echo
/// servers started by the server's process runtime. Held, every proxy keeps live traffic on blue while requests naming
/// the service (header or cookie) reach green, and only those; approve switches, abort retires green, an auto-approve
/// time switches by itself; a reload of HAProxy and a kill -9 of the server keep the hold and the preview.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync, which releases both.")]
public sealed class HoldTests : IAsyncLifetime
{
    private static readonly string[] ServiceNames = ["shop", "cart"];
    private static readonly Dictionary<string, string> ShopHeader = new() { ["X-BlueGreen-Preview"] = "shop" };
    private static readonly Dictionary<string, string> ShopCookie = new() { ["Cookie"] = "theme=dark; bluegreen-preview=shop" };
    private static readonly Dictionary<string, string> NoHeaders = [];
    private static readonly Dictionary<string, string> CartHeader = new() { ["X-BlueGreen-Preview"] = "cart" };
    private ServerFleet _fleet = null!;
    private GrpcChannel _channel = null!;

    private string[] Server => ["--server", $"http://127.0.0.1:{_fleet.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    private V1.Deployments.DeploymentsClient Deployments => new(_channel);

    public async Task InitializeAsync()
    {
        _fleet = await ServerFleet.StartAsync("hold", ServiceNames, TestChecks.Fast, proxies: 3);
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
    public async Task ReleaseHold_PreviewReloadRestartApprove_PreviewOnlyForTheServiceThenSwitchedWithTheApprover()
    {
        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--hold", .. Server]);

        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        Assert.Contains("deployment #1 release 2: held since", release.Output, StringComparison.Ordinal);
        Assert.Contains("with header X-BlueGreen-Preview: shop or cookie bluegreen-preview=shop, everyone else on blue; 'bluegreen approve shop' switches", release.Output, StringComparison.Ordinal);
        await PreviewLiveAsync("held");

        // A reload and a restart start from the config and the map file: the preview stays.
        await _fleet.Proxies[0].ReloadAsync();
        await _fleet.Proxies[1].RestartAsync();
        await PreviewLiveAsync("held, after a reload of edge-0 and a restart of edge-1");
        var watch = await CliRun.RunAsync(["watch", "shop", .. Server]);
        Assert.True(watch.Exit == ExitCodes.Ok, watch.Output);
        Assert.Contains("held since", watch.Output, StringComparison.Ordinal);

        var approve = await CliRun.RunAsync(["approve", "shop", .. Server]);

        Assert.True(approve.Exit == ExitCodes.Ok, approve.Output);
        Assert.Contains($"deployment #1 release 2: succeeded", approve.Output, StringComparison.Ordinal);
        Assert.Contains($"approved by {ServerProcess.AdminTokenName} at", approve.Output, StringComparison.Ordinal);
        await EveryProxyAsync("shop.local", NoHeaders, r => r.Echo?.Colour == "green", "shop on green without any header");
        foreach (var proxy in _fleet.Proxies)
        {
            Assert.DoesNotContain("/Preview/", await File.ReadAllTextAsync(proxy.MapFile), StringComparison.Ordinal);
        }

        var history = await CliRun.RunAsync(["history", "shop", "--output", "json", .. Server]);
        using (var json = JsonDocument.Parse(history.Output))
        {
            var d = json.RootElement.GetProperty("deployments")[0];
            Assert.Equal(ServerProcess.AdminTokenName, d.GetProperty("approvedBy").GetString());
            Assert.True(d.GetProperty("hold").GetBoolean());
            Assert.True(d.GetProperty("approvedAt").GetDateTimeOffset() >= d.GetProperty("heldAt").GetDateTimeOffset());
        }

        var table = await CliRun.RunAsync(["history", "shop", .. Server]);
        Assert.Contains($"{ServerProcess.AdminTokenName} (approved: {ServerProcess.AdminTokenName})", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleaseHold_AbortWhileHeld_BlueStaysLiveGreenRetiredPreviewGone()
    {
        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--hold", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        await PreviewLiveAsync("held");

        var abort = await CliRun.RunAsync(["abort", "shop", .. Server]);

        Assert.True(abort.Exit == ExitCodes.Ok, abort.Output);
        Assert.Contains("aborted", abort.Output, StringComparison.Ordinal);
        await EveryProxyAsync("shop.local", ShopHeader, r => r.Echo?.Colour == "blue", "the preview header back on blue");
        await EveryProxyAsync("shop.local", NoHeaders, r => r.Echo?.Colour == "blue", "shop on blue");
        foreach (var proxy in _fleet.Proxies)
        {
            Assert.DoesNotContain("/Preview/", await File.ReadAllTextAsync(proxy.MapFile), StringComparison.Ordinal);
        }

        await Eventually.UntilAsync(() => Task.FromResult(FleetProxies.Listening(_fleet.Ports["shop"].Green)), listening => !listening, TimeSpan.FromSeconds(20), "green of shop stopped");
        var record = await Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "shop", Id = 1 }, GatewayFixture.Admin);
        Assert.Equal(V1.DeploymentOutcome.Aborted, record.Outcome);
        Assert.Empty(record.ApprovedBy);
        Assert.Null(record.SwitchSkew);
    }

    [Fact]
    public async Task ReleaseHold_AutoApproveAfter_SwitchesByItself()
    {
        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--hold", "--auto-approve-after", "4s", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        Assert.Contains("approved by itself at", release.Output, StringComparison.Ordinal);

        var done = await Eventually.UntilAsync(
            async () => await Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "shop", Id = 1 }, GatewayFixture.Admin),
            d => d.FinishedAt is not null,
            TimeSpan.FromSeconds(60),
            "the held release approved by itself and finished");

        Assert.Equal(V1.DeploymentOutcome.Succeeded, done.Outcome);
        Assert.Equal("auto-approve", done.ApprovedBy);
        Assert.True(done.ApprovedAt.ToDateTimeOffset() >= done.AutoApproveAt.ToDateTimeOffset());
        Assert.Equal(TimeSpan.FromSeconds(4), done.AutoApproveAt.ToDateTimeOffset() - done.HeldAt.ToDateTimeOffset());
        await EveryProxyAsync("shop.local", NoHeaders, r => r.Echo?.Colour == "green", "shop on green");
    }

    [Fact]
    public async Task ReleaseHold_ServerKilledWhileHeld_ResumesHeldWithPreviewAndDeadlineThenApproveSwitches()
    {
        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--hold", "--auto-approve-after", "1h", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        var before = await Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "shop", Id = 1 }, GatewayFixture.Admin);

        await _fleet.Server.KillAsync();
        await PreviewLiveAsync("held, the server killed");
        await _fleet.Server.StartAsync();
        _channel.Dispose();
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_fleet.Server.GrpcPort}");

        var resumed = await Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "shop", Id = 1 }, GatewayFixture.Admin);
        Assert.Equal(V1.DeploymentStep.Held, resumed.Step);
        Assert.Equal(V1.DeploymentOutcome.Running, resumed.Outcome);
        Assert.Equal(before.AutoApproveAt, resumed.AutoApproveAt);
        Assert.Equal(before.HeldAt, resumed.HeldAt);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await PreviewLiveAsync("held after the restart");
        Assert.Equal(V1.DeploymentStep.Held, (await Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "shop", Id = 1 }, GatewayFixture.Admin)).Step);

        var approve = await CliRun.RunAsync(["approve", "shop", .. Server]);

        Assert.True(approve.Exit == ExitCodes.Ok, approve.Output);
        Assert.Contains($"approved by {ServerProcess.AdminTokenName}", approve.Output, StringComparison.Ordinal);
        await EveryProxyAsync("shop.local", NoHeaders, r => r.Echo?.Colour == "green", "shop on green");
    }

    [Fact]
    public async Task Approve_NothingHeld_RefusedNamingTheState()
    {
        var idle = await CliRun.RunAsync(["approve", "shop", .. Server]);
        // Green of cart is external and nobody listens on its port: the release waits in AwaitHealthy.
        var release = await CliRun.RunAsync(["release", "cart", "--version", "2", "--no-wait", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        var notHeld = await CliRun.RunAsync(["approve", "cart", .. Server]);
        await CliRun.RunAsync(["abort", "cart", .. Server]);

        Assert.Equal(ExitCodes.Refused, idle.Exit);
        Assert.Contains("service 'shop' has no deployment in progress, so none is held for approval", idle.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, notHeld.Exit);
        Assert.Contains("deployment 1 (Release to green 2) is at step", notHeld.Output, StringComparison.Ordinal);
        Assert.Contains("not Held: it was not started with --hold", notHeld.Output, StringComparison.Ordinal);
        var rpc = await Assert.ThrowsAsync<RpcException>(async () => await Deployments.ApproveAsync(new V1.ApproveRequest { Service = "shop" }, GatewayFixture.Admin));
        Assert.Equal(StatusCode.FailedPrecondition, rpc.StatusCode);
    }

    [Theory]
    [InlineData("semicolon", "10s; shutdown sessions server shop_blue/s1")]
    [InlineData("newline", "10s\nshutdown")]
    [InlineData("zero", "0s")]
    [InlineData("over 24 h", "25h")]
    [InlineData("10 KB", null)]
    public async Task ReleaseHold_HostileAutoApproveAfter_OneLineErrorNothingStarted(string label, string? value)
    {
        var maps = await MapsAsync();

        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--hold", "--auto-approve-after", value ?? new string('1', 10 * 1024), .. Server]);

        Assert.True(release.Exit == ExitCodes.Usage, $"{label}: exit {release.Exit}: {release.Output}");
        Assert.Single(release.Output.Trim().Split('\n'));
        Assert.Contains("--auto-approve-after", release.Output, StringComparison.Ordinal);
        Assert.Empty((await Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = "shop" }, GatewayFixture.Admin)).Deployments);
        Assert.Equal(maps, await MapsAsync());
    }

    [Fact]
    public async Task ReleaseHold_InvalidHoldFields_RefusedAtEveryEdge()
    {
        var withoutHold = await CliRun.RunAsync(["release", "shop", "--version", "2", "--auto-approve-after", "10s", .. Server]);
        Assert.Equal(ExitCodes.Usage, withoutHold.Exit);
        Assert.Contains("--auto-approve-after: only with --hold", withoutHold.Output, StringComparison.Ordinal);

        var cases = new[]
        {
            new V1.ReleaseRequest { Service = "shop", Version = "2", AutoApproveAfter = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)) },
            new V1.ReleaseRequest { Service = "shop", Version = "2", Hold = true, AutoApproveAfter = Duration.FromTimeSpan(TimeSpan.FromHours(25)) },
            new V1.ReleaseRequest { Service = "shop", Version = "2", Hold = true, AutoApproveAfter = new Duration { Seconds = -5 } },
            new V1.ReleaseRequest { Service = "shop", Version = "2", Hold = true, AutoApproveAfter = new Duration() },
        };
        foreach (var request in cases)
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await Deployments.ReleaseAsync(request, GatewayFixture.Admin));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.StartsWith("auto_approve_after: ", e.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Empty((await Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = "shop" }, GatewayFixture.Admin)).Deployments);
    }

    [Fact]
    public async Task ReleaseHold_ProxyConfigWithoutPreview_RefusedNamingTheProxyNothingStarted()
    {
        // edge-2 runs a config rendered before preview: no preview rules, no marker backend.
        var proxy = _fleet.Proxies[2];
        var lines = (await File.ReadAllLinesAsync(proxy.ConfigPath)).Where(l => !l.Contains("preview", StringComparison.OrdinalIgnoreCase));
        await File.WriteAllLinesAsync(proxy.ConfigPath, lines);
        await proxy.ReloadAsync();

        var release = await CliRun.RunAsync(["release", "shop", "--version", "2", "--hold", .. Server]);

        Assert.Equal(ExitCodes.Refused, release.Exit);
        Assert.Contains("service 'shop' was not released, nothing was started: a held release needs the preview rules on every proxy, and edge-2:", release.Output, StringComparison.Ordinal);
        Assert.Contains("bluegreen_preview", release.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("edge-0", release.Output, StringComparison.Ordinal);
        Assert.Empty((await Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = "shop" }, GatewayFixture.Admin)).Deployments);
        Assert.False(FleetProxies.Listening(_fleet.Ports["shop"].Green));
    }

    /// <summary>
    /// On every proxy: shop's live traffic on blue; its header and its cookie on green; the header naming cart, and
    /// shop's header sent to cart's Host, on blue; cart's own header to cart on blue (cart is not held).
    /// </summary>
    private async Task PreviewLiveAsync(string what)
    {
        await EveryProxyAsync("shop.local", ShopHeader, r => r.Echo?.Colour == "green", $"{what}: shop's preview header on green");
        await EveryProxyAsync("shop.local", ShopCookie, r => r.Echo?.Colour == "green", $"{what}: shop's preview cookie on green");
        foreach (var (host, headers, label) in new[] { ("shop.local", NoHeaders, "no header"), ("shop.local", CartHeader, "cart's header"), ("cart.local", ShopHeader, "shop's header to cart"), ("cart.local", CartHeader, "cart's header to cart") })
        {
            var replies = await EveryProxyAsync(host, headers, r => r.Status == HttpStatusCode.OK, $"{what}: {host} with {label}");
            Assert.All(replies, r => Assert.Equal(("blue", "1"), (r.Echo?.Colour, r.Echo?.Version)));
        }
    }

    /// <summary>Waits until every proxy's frontend answers <paramref name="host"/> as <paramref name="done"/> says; returns each answer.</summary>
    private Task<IReadOnlyList<FrontendReply>> EveryProxyAsync(string host, IReadOnlyDictionary<string, string> headers, Func<FrontendReply, bool> done, string what) =>
        FleetProxies.EveryProxyAsync(_fleet, host, headers, done, what);

    private async Task<string> MapsAsync() =>
        string.Join("\n", await Task.WhenAll(_fleet.Proxies.Select(p => File.ReadAllTextAsync(p.MapFile))));

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
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            LiveVersion = "1",
        };
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = blue });
        if (name == "cart")
        {
            spec.Green = new V1.ColourSpec { Runtime = "external" };
        }

        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = green });
        spec.Proxies.Add(Enumerable.Range(0, _fleet.Proxies.Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"edge-{i}")));
        return spec;
    }
}
