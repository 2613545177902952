using System.Globalization;
using System.Text.Json;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// <c>bluegreen instances</c> against the real server with real echo processes: each colour's instance with its
/// version, its pid as the process runtime recorded it, and whether it still runs.
/// </summary>
public sealed class InstancesTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string ProxyId = "edge-instances";
    private const string Service = "mail";

    private string[] Server(string token = ServerProcess.AdminToken) => ["--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", token];

    [Fact]
    public async Task Instances_BothColoursRunningThenOneKilled_PidVersionAndState()
    {
        await new V1.Proxies.ProxiesClient(fixture.Channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        await fixture.StartBlueAsync(Service);
        using var folder = new TempFolder("instances");
        var spec = await EchoService.WriteSpecAsync(fixture, folder, ProxyId, Service, liveVersion: "1");
        Assert.Equal(ExitCodes.Ok, (await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server()])).Exit);
        var release = await CliRun.RunAsync(["release", Service, "--version", "2", .. Server()]);
        Assert.True(release.Exit == ExitCodes.Ok, release.Output);
        var bluePid = EchoService.Pid(fixture, "mail-blue-s1")!.Value;
        var greenPid = EchoService.Pid(fixture, "mail-green-s1")!.Value;

        var json = await CliRun.RunAsync(["instances", Service, "--output", "json", .. Server(ServerProcess.ReadToken)]);
        var table = await CliRun.RunAsync(["instances", .. Server(ServerProcess.ReadToken)]);
        await EchoService.StopAsync(bluePid);
        var afterKill = await CliRun.RunAsync(["instances", Service, "--output", "json", .. Server(ServerProcess.ReadToken)]);
        var unknown = await CliRun.RunAsync(["instances", "nosuchservice", .. Server(ServerProcess.ReadToken)]);

        Assert.True(json.Exit == ExitCodes.Ok, json.Output);
        var listed = Parse(json.Output);
        Assert.Equal(2, listed.Count);
        Assert.Equal(("1", bluePid.ToString(CultureInfo.InvariantCulture), "INSTANCE_STATE_RUNNING", "process"), listed["COLOUR_BLUE"]);
        Assert.Equal(("2", greenPid.ToString(CultureInfo.InvariantCulture), "INSTANCE_STATE_RUNNING", "process"), listed["COLOUR_GREEN"]);
        Assert.True(table.Exit == ExitCodes.Ok, table.Output);
        Assert.Contains(greenPid.ToString(CultureInfo.InvariantCulture), table.Output, StringComparison.Ordinal);
        Assert.Contains("running", table.Output, StringComparison.Ordinal);
        Assert.Contains("mail", table.Output, StringComparison.Ordinal);
        Assert.Equal("INSTANCE_STATE_EXITED", Parse(afterKill.Output)["COLOUR_BLUE"].State);
        Assert.Equal("INSTANCE_STATE_RUNNING", Parse(afterKill.Output)["COLOUR_GREEN"].State);
        Assert.Equal(ExitCodes.Refused, unknown.Exit);
        Assert.Contains("nosuchservice", unknown.Output, StringComparison.Ordinal);
    }

    /// <summary>Each instance of the service by colour: version, id, state and runtime.</summary>
    private static Dictionary<string, (string Version, string Id, string State, string Runtime)> Parse(string output)
    {
        using var document = JsonDocument.Parse(output);
        return document.RootElement.GetProperty("instances").EnumerateArray()
            .Where(i => i.GetProperty("service").GetString() == Service)
            .ToDictionary(
                i => i.GetProperty("colour").GetString()!,
                i => (i.GetProperty("version").GetString()!, i.GetProperty("id").GetString()!, i.GetProperty("state").GetString()!, i.GetProperty("runtime").GetString()!));
    }

    [Fact]
    public async Task ListInstances_MoreNamesThanAnyFleet_RefusedBeforeAnyGrainCall()
    {
        var services = new V1.Services.ServicesClient(fixture.Channel);
        var request = new V1.ListInstancesRequest();
        request.Services.AddRange(Enumerable.Range(0, 1001).Select(i => string.Create(CultureInfo.InvariantCulture, $"svc-{i}")));

        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => services.ListInstancesAsync(request, GatewayFixture.Admin).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("services: at most 1000 names", e.Status.Detail, StringComparison.Ordinal);
    }
}
