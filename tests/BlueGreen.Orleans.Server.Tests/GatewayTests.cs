using BlueGreen.Orleans.Harness;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The gRPC gateway of a real server process, through a GrpcChannel on loopback.</summary>
public sealed class GatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private V1.Proxies.ProxiesClient ProxiesClient => new(fixture.Channel);

    private V1.Services.ServicesClient ServicesClient => new(fixture.Channel);

    private V1.Deployments.DeploymentsClient DeploymentsClient => new(fixture.Channel);

    private async Task EnsureProxyAsync() =>
        await ProxiesClient.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = "edge-0", RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);

    private async Task<V1.Service> ApplyAsync(string name)
    {
        await EnsureProxyAsync();
        await fixture.StartBlueAsync(name);
        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        var spec = new V1.ServiceSpec
        {
            Name = name,
            RouteKey = $"{name}.local",
            Blue = colour.Clone(),
            Green = colour.Clone(),
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(20)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            LiveVersion = "1",
        };
        spec.Proxies.Add("edge-0");
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[name].Blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[name].Green });
        return await ServicesClient.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, GatewayFixture.Admin);
    }

    [Fact]
    public async Task Reflection_ListsEveryService()
    {
        var reflection = new ServerReflection.ServerReflectionClient(fixture.Channel);
        using var call = reflection.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("bluegreen.v1.Proxies", names);
        Assert.Contains("bluegreen.v1.Services", names);
        Assert.Contains("bluegreen.v1.Deployments", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task Health_Check_Serving()
    {
        var reply = await new Health.HealthClient(fixture.Channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    public static TheoryData<string> MutatingCalls => ["RegisterProxy", "RemoveProxy", "ApplyService", "DeleteService", "Release", "Promote", "Rollback", "Abort"];

    [Theory]
    [MemberData(nameof(MutatingCalls))]
    public async Task MutatingCall_NoWrongOrReadToken_RefusedBeforeAnyChange(string call)
    {
        var before = await ServicesClient.ListServicesAsync(new V1.ListServicesRequest(), GatewayFixture.Bearer(ServerProcess.ReadToken));

        var none = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(call, new Metadata()));
        var wrong = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(call, GatewayFixture.Bearer("not-a-token-0123456789")));
        var read = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(call, GatewayFixture.Bearer(ServerProcess.ReadToken)));

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, read.StatusCode);
        Assert.Equal(before, await ServicesClient.ListServicesAsync(new V1.ListServicesRequest(), GatewayFixture.Admin));
        Assert.DoesNotContain(ServerProcess.AdminToken, fixture.Server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerProcess.ReadToken, fixture.Server.Output, StringComparison.Ordinal);
    }

    private Task InvokeAsync(string call, Metadata headers) => call switch
    {
        "RegisterProxy" => ProxiesClient.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = "edge-x", RuntimeApi = "tcp://127.0.0.1:1", MapFile = "/tmp/x.map" }, headers).ResponseAsync,
        "RemoveProxy" => ProxiesClient.RemoveProxyAsync(new V1.RemoveProxyRequest { Id = "edge-0" }, headers).ResponseAsync,
        "ApplyService" => ServicesClient.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = new V1.ServiceSpec { Name = "mail" } }, headers).ResponseAsync,
        "DeleteService" => ServicesClient.DeleteServiceAsync(new V1.DeleteServiceRequest { Name = "mail" }, headers).ResponseAsync,
        "Release" => DeploymentsClient.ReleaseAsync(new V1.ReleaseRequest { Service = "mail", Version = "2" }, headers).ResponseAsync,
        "Promote" => DeploymentsClient.PromoteAsync(new V1.PromoteRequest { Service = "mail" }, headers).ResponseAsync,
        "Rollback" => DeploymentsClient.RollbackAsync(new V1.RollbackRequest { Service = "mail" }, headers).ResponseAsync,
        _ => DeploymentsClient.AbortAsync(new V1.AbortRequest { Service = "mail" }, headers).ResponseAsync,
    };

    [Fact]
    public async Task ReadCalls_ReadToken_Allowed()
    {
        await EnsureProxyAsync();

        var proxies = await ProxiesClient.ListProxiesAsync(new V1.ListProxiesRequest(), GatewayFixture.Bearer(ServerProcess.ReadToken));

        Assert.Contains(proxies.Proxies, p => p.Id == "edge-0");
    }

    [Fact]
    public async Task Proxies_RegisterGetList_ReportsBackendsAndReachability()
    {
        await EnsureProxyAsync();

        var proxy = await ProxiesClient.GetProxyAsync(new V1.GetProxyRequest { Id = "edge-0" }, GatewayFixture.Admin);

        Assert.True(proxy.Reachable);
        Assert.True(proxy.Pid > 0);
        Assert.Contains(proxy.Backends, b => b.Name == "shop_blue" && b.Servers.Count == 1);
        var again = await Assert.ThrowsAsync<RpcException>(() => ProxiesClient.RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = "edge-0", RuntimeApi = "tcp://127.0.0.9:9", MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => ProxiesClient.GetProxyAsync(new V1.GetProxyRequest { Id = "nope" }, GatewayFixture.Admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("id", "edge;0")]
    [InlineData("runtime_api", "tcp://127.0.0.1:9000\nshow info")]
    [InlineData("map_file", "/etc/hosts.map; shutdown")]
    public async Task RegisterProxy_HostileField_InvalidArgumentNamingIt(string field, string value)
    {
        var request = new V1.RegisterProxyRequest { Id = "edge-9", RuntimeApi = "tcp://127.0.0.1:9000", MapFile = "/tmp/ok.map" };
        switch (field)
        {
            case "id": request.Id = value; break;
            case "runtime_api": request.RuntimeApi = value; break;
            default: request.MapFile = value; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => ProxiesClient.RegisterProxyAsync(request, GatewayFixture.Admin).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_ApplyGetList_ThenErrorsCarryTheRightCodes()
    {
        var applied = await ApplyAsync("cart");
        Assert.Equal(V1.Colour.Blue, applied.LiveColour);
        Assert.Equal("1", applied.Versions["blue"]);

        var listed = await ServicesClient.ListServicesAsync(new V1.ListServicesRequest(), GatewayFixture.Admin);
        Assert.Contains(listed.Services, s => s.Spec.Name == "cart");

        var notFound = await Assert.ThrowsAsync<RpcException>(() => ServicesClient.GetServiceAsync(new V1.GetServiceRequest { Name = "nothere" }, GatewayFixture.Admin).ResponseAsync);
        var badName = await Assert.ThrowsAsync<RpcException>(() => ServicesClient.GetServiceAsync(new V1.GetServiceRequest { Name = "Cart;x" }, GatewayFixture.Admin).ResponseAsync);
        var promoteOnBlue = await Assert.ThrowsAsync<RpcException>(() => DeploymentsClient.PromoteAsync(new V1.PromoteRequest { Service = "cart" }, GatewayFixture.Admin).ResponseAsync);
        var badVersion = await Assert.ThrowsAsync<RpcException>(() => DeploymentsClient.ReleaseAsync(new V1.ReleaseRequest { Service = "cart", Version = "2;show info" }, GatewayFixture.Admin).ResponseAsync);
        var badDuration = await Assert.ThrowsAsync<RpcException>(() => DeploymentsClient.ReleaseAsync(
            new V1.ReleaseRequest { Service = "cart", Version = "2", Options = new V1.DeploymentOptions { DrainTimeout = new Duration { Seconds = -5 } } }, GatewayFixture.Admin).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badName.StatusCode);
        Assert.Contains("name", badName.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, promoteOnBlue.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badVersion.StatusCode);
        Assert.Contains("version", badVersion.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, badDuration.StatusCode);
        Assert.Contains("options.drain_timeout", badDuration.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_RealRelease_StreamsEveryStepUntilItEnds()
    {
        await ApplyAsync("shop");

        var release = await DeploymentsClient.ReleaseAsync(new V1.ReleaseRequest { Service = "shop", Version = "2" }, GatewayFixture.Admin);
        var conflict = await Assert.ThrowsAsync<RpcException>(() => DeploymentsClient.ReleaseAsync(new V1.ReleaseRequest { Service = "shop", Version = "3" }, GatewayFixture.Admin).ResponseAsync);
        using var watch = DeploymentsClient.WatchDeployment(new V1.WatchDeploymentRequest { Service = "shop", Id = release.Id }, GatewayFixture.Bearer(ServerProcess.ReadToken));
        var events = new List<V1.DeploymentEvent>();
        V1.Deployment? last = null;
        await foreach (var update in watch.ResponseStream.ReadAllAsync())
        {
            events.AddRange(update.Events);
            last = update.Deployment;
        }

        Assert.Equal(StatusCode.FailedPrecondition, conflict.StatusCode);
        Assert.Contains($"deployment {release.Id}", conflict.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(V1.DeploymentOutcome.Succeeded, last?.Outcome);
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.Sequence));
        foreach (var step in new[] { V1.DeploymentStep.Provision, V1.DeploymentStep.AwaitHealthy, V1.DeploymentStep.Switch, V1.DeploymentStep.Drain, V1.DeploymentStep.Retire })
        {
            Assert.Contains(events, e => e.Step == step);
        }

        Assert.Contains(events, e => e.ProxyId == "edge-0" && e.Message.StartsWith("switched", StringComparison.Ordinal));
        using var http = new FrontendClient(fixture.Proxy.FrontendUrl);
        Assert.Equal("green", (await http.GetAsync("shop.local")).Echo?.Colour);
        var history = await DeploymentsClient.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = "shop" }, GatewayFixture.Admin);
        Assert.Equal(release.Id, Assert.Single(history.Deployments).Id);
        var got = await DeploymentsClient.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "shop", Id = release.Id }, GatewayFixture.Admin);
        Assert.NotNull(got.SwitchSkew);
    }
}
