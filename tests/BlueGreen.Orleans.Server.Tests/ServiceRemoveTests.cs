using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// <c>bluegreen service rm</c> against the real server with real echo processes as both colours: by default it stops
/// them (the live colour and the one kept warm), with <c>--keep-instances</c> they run on, and while a deployment runs
/// it is refused and stops nothing.
/// </summary>
public sealed class ServiceRemoveTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string ProxyId = "edge-rm";

    private string[] Server => ["--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    [Fact]
    public async Task ServiceRm_BothColoursRunning_StopsEveryInstance()
    {
        var (blue, green) = await BothColoursRunningAsync("shop");

        var rm = await CliRun.RunAsync(["service", "rm", "shop", .. Server]);

        Assert.True(rm.Exit == ExitCodes.Ok, rm.Output);
        Assert.Contains("instances were stopped", rm.Output, StringComparison.Ordinal);
        Assert.False(EchoService.IsRunning(blue), $"blue pid {blue} still runs after service rm");
        Assert.False(EchoService.IsRunning(green), $"green pid {green} still runs after service rm");
        Assert.Equal(ExitCodes.Refused, (await CliRun.RunAsync(["service", "show", "shop", .. Server])).Exit);
    }

    [Fact]
    public async Task ServiceRm_KeepInstances_DeletedAndInstancesRunOn()
    {
        var (blue, green) = await BothColoursRunningAsync("cart");
        try
        {
            var rm = await CliRun.RunAsync(["service", "rm", "cart", "--keep-instances", .. Server]);

            Assert.True(rm.Exit == ExitCodes.Ok, rm.Output);
            Assert.Contains("instances keep running", rm.Output, StringComparison.Ordinal);
            Assert.True(EchoService.IsRunning(blue), $"blue pid {blue} was stopped despite --keep-instances");
            Assert.True(EchoService.IsRunning(green), $"green pid {green} was stopped despite --keep-instances");
            Assert.Equal(ExitCodes.Refused, (await CliRun.RunAsync(["service", "show", "cart", .. Server])).Exit);
        }
        finally
        {
            await EchoService.StopAsync(blue);
            await EchoService.StopAsync(green);
        }
    }

    [Fact]
    public async Task ServiceRm_DeploymentInFlight_RefusedNamingItAndNothingStopped()
    {
        await RegisterProxyAsync();
        using var folder = new TempFolder("service-rm");
        // Green never becomes healthy: the release waits in AwaitHealthy for its 60 s.
        var spec = await EchoService.WriteSpecAsync(fixture, folder, ProxyId, "auth", liveVersion: null, greenExtra: ", \"--healthy\", \"false\"");
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server])).Exit);
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(["release", "auth", "--version", "1", "--no-wait", .. Server])).Exit);
        var green = await Eventually.UntilAsync(() => Task.FromResult(EchoService.Pid(fixture, "auth-green-s1")), pid => pid is not null && EchoService.IsRunning(pid.Value), TimeSpan.FromSeconds(30), "green's instance started");

        var rm = await CliRun.RunAsync(["service", "rm", "auth", .. Server]);
        var stillRunning = EchoService.IsRunning(green!.Value);
        var abort = await CliRun.RunAsync(["abort", "auth", .. Server]);

        Assert.Equal(ExitCodes.Refused, rm.Exit);
        Assert.Contains("deployment 1", rm.Output, StringComparison.Ordinal);
        Assert.Contains("is in progress", rm.Output, StringComparison.Ordinal);
        Assert.True(stillRunning, "a refused service rm stopped the deployment's instance");
        Assert.Equal(ExitCodes.Ok, abort.Exit);
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(["service", "show", "auth", .. Server])).Exit);
    }

    /// <summary>Blue v1 adopted, green v2 released, blue kept warm: one process per colour, by pid.</summary>
    private async Task<(int Blue, int Green)> BothColoursRunningAsync(string service)
    {
        await RegisterProxyAsync();
        await fixture.StartBlueAsync(service);
        using var folder = new TempFolder("service-rm");
        var spec = await EchoService.WriteSpecAsync(fixture, folder, ProxyId, service, liveVersion: "1");
        var apply = await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server]);
        Assert.True(apply.Exit == ExitCodes.Ok, apply.Output);
        var release = await CliRun.RunAsync(["release", service, "--version", "2", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        var blue = EchoService.Pid(fixture, $"{service}-blue-s1") ?? throw new InvalidOperationException("no pid file for blue");
        var green = EchoService.Pid(fixture, $"{service}-green-s1") ?? throw new InvalidOperationException("no pid file for green");
        Assert.True(EchoService.IsRunning(blue) && EchoService.IsRunning(green), $"both colours run before service rm (blue {blue}, green {green})");
        return (blue, green);
    }

    private Task<V1.Proxy> RegisterProxyAsync() =>
        new V1.Proxies.ProxiesClient(fixture.Channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin).ResponseAsync;
}
