using BlueGreen.Orleans.Gateway.Services;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Who did what, on a real server: every change records the name of the token that made it (never the token), from the
/// token the gateway verified; a read token sees a spec's environment values redacted.
/// </summary>
public sealed class AuditTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Service = "mail";
    private const string Secret = "s3cret-db-password-42";

    [Fact]
    public async Task Changes_AdminToken_RecordTheTokenNameNeverTheToken()
    {
        var proxies = new V1.Proxies.ProxiesClient(fixture.Channel);
        var services = new V1.Services.ServicesClient(fixture.Channel);
        var deployments = new V1.Deployments.DeploymentsClient(fixture.Channel);
        await proxies.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = "edge-0", RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        await fixture.StartBlueAsync(Service);
        await services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = Spec() }, GatewayFixture.Admin);

        var release = await deployments.ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "2" }, GatewayFixture.Admin);
        var aborted = await deployments.AbortAsync(new V1.AbortRequest { Service = Service }, GatewayFixture.Admin);
        var proxy = await proxies.GetProxyAsync(new V1.GetProxyRequest { Id = "edge-0" }, GatewayFixture.Bearer(ServerProcess.ReadToken));
        var asRead = await services.GetServiceAsync(new V1.GetServiceRequest { Name = Service }, GatewayFixture.Bearer(ServerProcess.ReadToken));
        var asAdmin = await services.GetServiceAsync(new V1.GetServiceRequest { Name = Service }, GatewayFixture.Admin);
        var listed = await services.ListServicesAsync(new V1.ListServicesRequest(), GatewayFixture.Bearer(ServerProcess.ReadToken));
        await WaitIdleAsync(deployments);
        var (exit, history) = await CliRun.RunAsync("history", Service, "--server", $"http://127.0.0.1:{fixture.Server.GrpcPort}", "--token", ServerProcess.ReadToken);

        Assert.Equal(ServerProcess.AdminTokenName, release.RequestedBy);
        Assert.Equal(ServerProcess.AdminTokenName, aborted.AbortRequestedBy);
        Assert.Equal(ServerProcess.AdminTokenName, proxy.RegisteredBy);
        Assert.NotNull(proxy.RegisteredAt);
        Assert.Equal(ServerProcess.AdminTokenName, asRead.AppliedBy);
        Assert.Equal(ServicesService.Redacted, asRead.Spec.Green.Environment["DB_PASSWORD"]);
        Assert.Equal(ServicesService.Redacted, listed.Services.Single(s => s.Spec.Name == Service).Spec.Blue.Environment["DB_PASSWORD"]);
        Assert.Equal(Secret, asAdmin.Spec.Green.Environment["DB_PASSWORD"]);
        Assert.Equal(0, exit);
        Assert.Contains($"{ServerProcess.AdminTokenName} (abort: {ServerProcess.AdminTokenName})", history, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerProcess.AdminToken, fixture.Server.Output + history, StringComparison.Ordinal);
        Assert.Contains($"Admin call by token '{ServerProcess.AdminTokenName}': /bluegreen.v1.Deployments/Release", fixture.Server.Output, StringComparison.Ordinal);
        AttackLog.Record("gRPC gateway, read token", "read token reads a spec whose environment holds a password", $"value shown as {asRead.Spec.Green.Environment["DB_PASSWORD"]}", asRead.Spec.Green.Environment["DB_PASSWORD"] != Secret);
    }

    private static async Task WaitIdleAsync(V1.Deployments.DeploymentsClient deployments)
    {
        await Eventually.UntilAsync(
            async () => await deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = Service }, GatewayFixture.Admin),
            list => list.Deployments.All(d => d.FinishedAt is not null),
            TimeSpan.FromSeconds(60),
            "every deployment of mail to finish");
    }

    private V1.ServiceSpec Spec()
    {
        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        colour.Environment["DB_PASSWORD"] = Secret;
        var spec = new V1.ServiceSpec
        {
            Name = Service,
            RouteKey = "mail.local",
            Blue = colour.Clone(),
            Green = colour.Clone(),
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(20)),
            LiveVersion = "1",
        };
        spec.Proxies.Add("edge-0");
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Green });
        return spec;
    }
}
