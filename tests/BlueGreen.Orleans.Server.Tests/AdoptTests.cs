using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Adopting a service that already runs, from the CLI, against the real server and a real haproxy: blue v1 is an echo
/// process the test starts itself (not through any runtime of the orchestrator), exactly as the spec would start it.
/// <c>service apply --adopt 1</c> takes it over, a release retires it like one of its own, and promote can then put
/// the new version on blue's port.
/// </summary>
public sealed class AdoptTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string ProxyId = "edge-adopt";
    private const string Service = "search";

    private string[] Server => ["--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    [Fact]
    public async Task ServiceApplyAdopt_BlueStartedOutside_AdoptedRetiredAndPromoteTakesItsPort()
    {
        await new V1.Proxies.ProxiesClient(fixture.Channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        using var folder = new TempFolder("adopt");
        var spec = await EchoService.WriteSpecAsync(fixture, folder, ProxyId, Service, liveVersion: null, keepWarm: "0s");
        using var outside = await StartOutsideAsync(fixture.Ports[Service].Blue);
        try
        {
            var apply = await CliRun.RunAsync(["service", "apply", "-f", spec, "--adopt", "1", .. Server]);
            Assert.True(apply.Exit == ExitCodes.Ok, apply.Output);
            using var http = new FrontendClient(fixture.Proxy.FrontendUrl);
            // HAProxy's checks see the outside process UP a moment after it listens.
            var before = await Eventually.UntilAsync(async () => (await http.GetAsync($"{Service}.local")).Echo, e => e is not null, TimeSpan.FromSeconds(20), "blue v1 served");
            var listed = await CliRun.RunAsync(["instances", Service, "--output", "json", .. Server]);

            var release = await CliRun.RunAsync(["release", Service, "--version", "2", .. Server]);
            var outsideGone = outside.WaitForExit(TimeSpan.FromSeconds(10));
            var promote = await CliRun.RunAsync(["promote", Service, .. Server]);
            var after = (await http.GetAsync($"{Service}.local")).Echo;

            Assert.Equal(("blue", "1"), (before?.Colour, before?.Version));
            Assert.True(release.Exit == ExitCodes.Ok, release.Output);
            Assert.True(outsideGone, $"blue v1 (pid {outside.Id}), started outside and adopted, still runs after the release retired blue");
            Assert.True(promote.Exit == ExitCodes.Ok, promote.Output);
            Assert.Equal(("blue", "2"), (after?.Colour, after?.Version));
            Assert.Equal(outside.Id.ToString(CultureInfo.InvariantCulture), BluePid(listed.Output));
        }
        finally
        {
            await TrackedProcesses.StopAsync(outside);
        }
    }

    [Fact]
    public async Task ServiceApplyAdopt_ListenerIsNotWhatTheSpecStarts_RefusedAndNothingSaved()
    {
        await new V1.Proxies.ProxiesClient(fixture.Channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        using var folder = new TempFolder("adopt");
        var spec = await EchoService.WriteSpecAsync(fixture, folder, ProxyId, "auth", liveVersion: null);
        // Listening on blue's address, but another version than the one adopted: not what the spec would start.
        using var outside = await StartOutsideAsync(fixture.Ports["auth"].Blue, "auth", version: "7");
        try
        {
            var apply = await CliRun.RunAsync(["service", "apply", "-f", spec, "--adopt", "1", .. Server]);
            var show = await CliRun.RunAsync(["service", "show", "auth", .. Server]);

            Assert.Equal(ExitCodes.Refused, apply.Exit);
            Assert.Contains($"Process {outside.Id} listening on 127.0.0.1:{fixture.Ports["auth"].Blue}", apply.Output, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Refused, show.Exit);
            Assert.False(outside.HasExited);
        }
        finally
        {
            await TrackedProcesses.StopAsync(outside);
        }
    }

    [Fact]
    public async Task ServiceApplyAdoptServed_ProxyServesTheColourTheRecordDoesNotSay_RefusedThenAdoptedWithoutAFlip()
    {
        const string service = "mail";
        var register = new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile };
        var proxies = new V1.Proxies.ProxiesClient(fixture.Channel);
        await proxies.RegisterProxyAsync(register, GatewayFixture.Admin);
        await fixture.StartBlueAsync(service);
        using var folder = new TempFolder("adopt-served");
        var spec = await EchoService.WriteSpecAsync(fixture, folder, ProxyId, service, liveVersion: "1", keepWarm: "10m");
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server])).Exit);
        var release = await CliRun.RunAsync(["release", service, "--version", "2", .. Server]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);

        // The record says green v2; blue v1 still runs (kept warm). The proxy's record is lost (removed, registered
        // again: no desired route its monitor would put back), and someone routes the key to blue by hand.
        await proxies.RemoveProxyAsync(new V1.RemoveProxyRequest { Id = ProxyId }, GatewayFixture.Admin);
        await proxies.RegisterProxyAsync(register, GatewayFixture.Admin);
        await using var runtime = fixture.Proxy.CreateClient();
        await runtime.UpsertMapAsync(fixture.Proxy.MapFile, $"{service}.local", "mail_blue");
        using var http = new FrontendClient(fixture.Proxy.FrontendUrl);

        var refused = await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server]);
        var mapAfterRefusal = await runtime.GetMapAsync(fixture.Proxy.MapFile, $"{service}.local");
        var servedAfterRefusal = (await http.GetAsync($"{service}.local")).Echo;
        var adopted = await CliRun.RunAsync(["service", "apply", "-f", spec, "--adopt-served", .. Server]);
        var shown = await new V1.Services.ServicesClient(fixture.Channel).GetServiceAsync(new V1.GetServiceRequest { Name = service }, GatewayFixture.Admin);
        var mapAfterAdoption = await runtime.GetMapAsync(fixture.Proxy.MapFile, $"{service}.local");
        var servedAfterAdoption = (await http.GetAsync($"{service}.local")).Echo;

        Assert.Equal(ExitCodes.Refused, refused.Exit);
        Assert.Contains($"{ProxyId} serve '{service}.local' from blue (mail_blue)", refused.Output, StringComparison.Ordinal);
        Assert.Contains("the record says green is live", refused.Output, StringComparison.Ordinal);
        Assert.Contains("--adopt-served", refused.Output, StringComparison.Ordinal);
        Assert.Equal("mail_blue", mapAfterRefusal);
        Assert.Equal(("blue", "1"), (servedAfterRefusal?.Colour, servedAfterRefusal?.Version));
        Assert.True(adopted.Exit == ExitCodes.Ok, adopted.Output);
        Assert.Equal(V1.Colour.Blue, shown.LiveColour);
        Assert.Equal("mail_blue", mapAfterAdoption);
        Assert.Equal(("blue", "1"), (servedAfterAdoption?.Colour, servedAfterAdoption?.Version));
    }

    /// <summary>Blue as someone started it before the orchestrator: the spec's own command line, by hand.</summary>
    private static async Task<Process> StartOutsideAsync(int port, string service = Service, string version = "1")
    {
        var start = new ProcessStartInfo(EchoInstance.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.IsPrivilegedProcess)
        {
            // A root server runs its instances as nobody, and adopts only what runs as that user: so did "someone".
            var nobody = UserAccount.Find("nobody") ?? throw new InvalidOperationException("no user nobody");
            start = new ProcessStartInfo(ProcessInstanceRuntime.SetPrivPath) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { $"--reuid={nobody.Uid}", $"--regid={nobody.Gid}", "--clear-groups", "--", EchoInstance.Dotnet })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in new[] { EchoInstance.DllPath, "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--colour", "blue", "--version", version })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start blue of {service}");
        TrackedProcesses.Track(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.UntilAsync(() => ListensAsync(port), up => up, TimeSpan.FromSeconds(30), $"blue of {service} listening on {port}");
        return process;
    }

    private static async Task<bool> ListensAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string BluePid(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("instances").EnumerateArray()
            .Single(i => i.GetProperty("colour").GetString() == "COLOUR_BLUE").GetProperty("id").GetString()!;
    }
}
