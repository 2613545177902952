using System.Globalization;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The bounds on WatchDeployment, on a real server started with small ones (2 streams per token, 3 s per stream) and a
/// deployment that waits in AwaitHealthy (an external colour nobody listens for) until its 10 s health deadline.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync, which releases both.")]
public sealed class WatchLimitTests : IAsyncLifetime
{
    private const string Service = "slow";
    private readonly TempFolder _folder = new("watch-limit");
    private HaProxyInstance _proxy = null!;
    private ServerProcess _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        var (blue, green) = (Loopback.FreePort(), Loopback.FreePort());
        _proxy = await HaProxyInstance.StartAsync(
        [
            new ServiceBackends
            {
                Name = Service,
                Blue = [new BackendServer("s1", "127.0.0.1", blue)],
                Green = [new BackendServer("s1", "127.0.0.1", green)],
                Check = TestChecks.Fast,
            },
        ]);
        _server = new ServerProcess(_folder.File("data"), extraArguments: ["--Gateway:MaxWatchStreamsPerToken", "2", "--Gateway:MaxWatchDuration", "00:00:03"]);
        await _server.StartAsync();
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.GrpcPort}");
        await new V1.Proxies.ProxiesClient(_channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = "edge-0", RuntimeApi = _proxy.RuntimeApi.ToString(), MapFile = _proxy.MapFile }, GatewayFixture.Admin);
        var spec = new V1.ServiceSpec
        {
            Name = Service,
            RouteKey = "slow.local",
            Blue = new V1.ColourSpec { Runtime = "external", Instances = { new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = blue } } },
            Green = new V1.ColourSpec { Runtime = "external", Instances = { new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = green } } },
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
            LiveVersion = "1",
        };
        spec.Proxies.Add("edge-0");
        await new V1.Services.ServicesClient(_channel).ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, GatewayFixture.Admin);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.KillAsync();
        await _proxy.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Watch_ThirdStreamOfOneToken_ResourceExhaustedWhileOtherTokensWatch()
    {
        var deployments = new V1.Deployments.DeploymentsClient(_channel);
        var release = await deployments.ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "2" }, GatewayFixture.Admin);
        var request = new V1.WatchDeploymentRequest { Service = Service, Id = release.Id };
        var read = GatewayFixture.Bearer(ServerProcess.ReadToken);

        using var first = deployments.WatchDeployment(request, read);
        using var second = deployments.WatchDeployment(request, read);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(await second.ResponseStream.MoveNext(CancellationToken.None));
        using var third = deployments.WatchDeployment(request, read);
        var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(CancellationToken.None));
        using var admin = deployments.WatchDeployment(request, GatewayFixture.Admin);
        var adminServed = await admin.ResponseStream.MoveNext(CancellationToken.None);

        // The first stream ends at its lifetime (3 s) with DEADLINE_EXCEEDED, while the deployment still waits.
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await first.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        var status = await deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = request.Service, Id = request.Id }, GatewayFixture.Admin);

        AttackLog.Record("gRPC gateway, WatchDeployment", "one read token opens a 3rd watch stream with Gateway:MaxWatchStreamsPerToken=2", $"{refused.StatusCode}; other tokens unaffected; streams end after Gateway:MaxWatchDuration with {ended.StatusCode}", refused.StatusCode == StatusCode.ResourceExhausted && ended.StatusCode == StatusCode.DeadlineExceeded);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains(ServerProcess.ReadTokenName, refused.Status.Detail, StringComparison.Ordinal);
        Assert.True(adminServed);
        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.Equal(V1.DeploymentStep.AwaitHealthy, status.Step);
        Assert.DoesNotContain(ServerProcess.ReadToken, _server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpWatch_ThirdStreamOfOneToken_429AndStreamsEndAtMaxWatchDuration()
    {
        var deployments = new V1.Deployments.DeploymentsClient(_channel);
        var release = await deployments.ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "4" }, GatewayFixture.Admin);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri($"http://127.0.0.1:{_server.HttpPort}/v1/services/{Service}/deployments/{release.Id}/watch");
        using var first = await OpenReadStreamAsync(http, url);
        using var second = await OpenReadStreamAsync(http, url);
        using var firstBody = new StreamReader(await first.Content.ReadAsStreamAsync());
        using var secondBody = new StreamReader(await second.Content.ReadAsStreamAsync());
        var firstLine = await firstBody.ReadLineAsync();
        Assert.NotNull(await secondBody.ReadLineAsync());
        using var third = await OpenReadStreamAsync(http, url);
        var refusal = await third.Content.ReadAsStringAsync();

        // Newline-delimited JSON; the stream ends after Gateway:MaxWatchDuration (3 s) with an error object on its last line.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lines = new List<string> { firstLine! };
        while (await firstBody.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        clock.Stop();
        var status = await deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = Service, Id = release.Id }, GatewayFixture.Admin);

        AttackLog.Record("HTTP/JSON API, WatchDeployment", "one read token opens a 3rd HTTP watch stream with Gateway:MaxWatchStreamsPerToken=2", $"HTTP {(int)third.StatusCode}; streams end after Gateway:MaxWatchDuration ({clock.Elapsed.TotalSeconds:0.0} s more)", third.StatusCode == System.Net.HttpStatusCode.TooManyRequests);
        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains(ServerProcess.ReadTokenName, refusal, StringComparison.Ordinal);
        Assert.Equal(release.Id, V1.DeploymentUpdate.Parser.ParseJson(lines[0]).Deployment.Id);
        Assert.Contains("MaxWatchDuration", lines[^1], StringComparison.Ordinal);
        Assert.Equal(V1.DeploymentStep.AwaitHealthy, status.Step);
    }

    [Fact]
    public async Task EventsWatch_ThirdStreamOfOneTokenBesideAGrpcWatch_429AndErrorEventAtMaxWatchDuration()
    {
        var deployments = new V1.Deployments.DeploymentsClient(_channel);
        var services = new V1.Services.ServicesClient(_channel);
        // Another case may have left its deployment waiting for its health deadline: start from an idle service.
        await Eventually.UntilAsync(() => services.GetServiceAsync(new V1.GetServiceRequest { Name = Service }, GatewayFixture.Admin).ResponseAsync, s => s.ActiveDeployment is null, TimeSpan.FromSeconds(30), "no deployment in progress");
        var release = await deployments.ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "5" }, GatewayFixture.Admin);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri($"http://127.0.0.1:{_server.HttpPort}/v1/services/{Service}/deployments/{release.Id}/events");
        // One gRPC watch and one event stream: the same two slots of the read token.
        using var grpc = deployments.WatchDeployment(new V1.WatchDeploymentRequest { Service = Service, Id = release.Id }, GatewayFixture.Bearer(ServerProcess.ReadToken));
        Assert.True(await grpc.ResponseStream.MoveNext(CancellationToken.None));
        using var first = await OpenReadStreamAsync(http, url);
        using var firstBody = new StreamReader(await first.Content.ReadAsStreamAsync());
        var firstLines = new List<string> { (await firstBody.ReadLineAsync())! };
        using var third = await OpenReadStreamAsync(http, url);
        var refusal = await third.Content.ReadAsStringAsync();

        // The deployment waits in AwaitHealthy; after Gateway:MaxWatchDuration (3 s) an error event ends the stream.
        while (await firstBody.ReadLineAsync() is { } line)
        {
            firstLines.Add(line);
        }

        await deployments.AbortAsync(new V1.AbortRequest { Service = Service }, GatewayFixture.Admin);
        AttackLog.Record("HTTP deployment events (server-sent events)", "one read token opens a 2nd event stream beside its gRPC watch with Gateway:MaxWatchStreamsPerToken=2", $"HTTP {(int)third.StatusCode}; the streams end after Gateway:MaxWatchDuration with an error event", third.StatusCode == System.Net.HttpStatusCode.TooManyRequests);
        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains(ServerProcess.ReadTokenName, refusal, StringComparison.Ordinal);
        // Only changes are sent: 3 s of polling every 100 ms would be ~30 updates, a waiting deployment changes little.
        Assert.InRange(firstLines.Count(l => l == "event: update"), 1, 10);
        Assert.Equal("event: error", firstLines[^3]);
        Assert.Contains("MaxWatchDuration", firstLines[^2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliWatch_StreamOutlivesMaxWatchDuration_WatchesAgainAndPrintsEveryEventOnce()
    {
        var deployments = new V1.Deployments.DeploymentsClient(_channel);
        var release = await deployments.ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "3" }, GatewayFixture.Admin);

        var (exit, output) = await CliRun.RunAsync(
            "watch", Service, release.Id.ToString(CultureInfo.InvariantCulture), "--server", $"http://127.0.0.1:{_server.GrpcPort}", "--token", ServerProcess.ReadToken);

        var done = await deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = Service, Id = release.Id }, GatewayFixture.Admin);
        Assert.True(done.FinishedAt.ToDateTimeOffset() - done.CreatedAt.ToDateTimeOffset() > TimeSpan.FromSeconds(6), "the deployment ended before the stream's lifetime ran out twice");
        Assert.Equal(3, exit);
        foreach (var e in done.Events)
        {
            var line = e.Message.Length > 40 ? e.Message[..40] : e.Message;
            Assert.Equal(1, CountOf(output, line));
        }
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>A GET of an HTTP watch stream with the read token, returned once its headers arrived (the body streams on).</summary>
    private static async Task<HttpResponseMessage> OpenReadStreamAsync(HttpClient http, Uri url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ServerProcess.ReadToken);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
