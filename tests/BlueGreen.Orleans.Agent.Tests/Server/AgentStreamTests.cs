using System.Globalization;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Tests.Support;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Agent.Tests.Server;

/// <summary>
/// The server's half of issue 15's stream, against a real bluegreen-server and a real bluegreen-agent beside a real
/// haproxy that has a unix Runtime API only (the server's configuration names neither its socket nor its map file):
/// credentials bound to one proxy, issued by <c>proxy add --agent</c>, re-issued to cut a stream, never logged.
/// </summary>
public sealed class AgentStreamTests(AgentServerFixture fixture) : IClassFixture<AgentServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempFolder _folder = new("agent-stream");

    private V1.Proxies.ProxiesClient Proxies => new(fixture.Channel);

    private V1.Agents.AgentsClient Agents => new(fixture.Channel);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ProxyAddAgent_AgentStartedWithTheCredentialFile_ShowsConnectedWithVersions()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(new DesiredRoutes(7, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), CancellationToken.None);
        var file = _folder.File("edge-a.credential");

        var (exit, output) = await CliRun.RunAsync(fixture.Cli("proxy", "add", "edge-a", "--agent", "--credential-file", file));
        Assert.True(exit == 0, output);
        Assert.True(!OperatingSystem.IsWindows() && File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), "the credential file is not mode 600");
        var credential = (await File.ReadAllTextAsync(file)).Trim();
        Assert.DoesNotContain(credential, output, StringComparison.Ordinal);

        await using var agent = AgentProcess.Start(stage.AgentArguments("edge-a", fixture.Url, file));
        var proxy = await Eventually.UntilAsync(() => GetAsync("edge-a"), p => p.AgentConnected && p.AgentRoutesVersion == 7, Patience, "edge-a connected, holding version 7");
        var (showExit, show) = await CliRun.RunAsync(fixture.Cli("proxy", "show", "edge-a"));

        Assert.Equal(V1.ProxyMode.Agent, proxy.Mode);
        Assert.NotEmpty(proxy.AgentVersion);
        Assert.NotNull(proxy.AgentLastSeen);
        Assert.Empty(proxy.RuntimeApi);
        Assert.Empty(proxy.AgentCredential);
        Assert.Equal(0, showExit);
        Assert.Contains("agent connected", show, StringComparison.Ordinal);
        Assert.True(show.Contains("routes v7", StringComparison.Ordinal), show);
        Assert.False(agent.HasExited, agent.Output);
        AssertNeverLogged(credential);
    }

    [Fact]
    public async Task Cli_ServiceApplyAndRelease_OnAProxyReachedOnlyThroughItsAgent_HaProxyServesGreen()
    {
        // The README's "Many proxy hosts" flow on one machine: the server's configuration names no socket and no map.
        await using var stage = await AgentStage.StartAsync();
        var credential = _folder.File("edge-flow.credential");
        Assert.Equal(0, (await CliRun.RunAsync(fixture.Cli("proxy", "add", "edge-flow", "--agent", "--credential-file", credential))).Exit);
        await using var agent = AgentProcess.Start(stage.AgentArguments("edge-flow", fixture.Url, credential));
        await Eventually.UntilAsync(() => GetAsync("edge-flow"), p => p.AgentConnected && p.Reachable, Patience, "edge-flow connected with a snapshot");
        var spec = _folder.File("web.yaml");
        await File.WriteAllTextAsync(spec, string.Create(CultureInfo.InvariantCulture, $$"""
            name: {{AgentStage.Service}}
            route_key: {{AgentStage.Host}}
            proxies: [edge-flow]
            blue:
              runtime: external
              instances: [{ server: s1, address: {{stage.Blue.Address}}, port: {{stage.Blue.Port}} }]
            green:
              runtime: external
              instances: [{ server: s1, address: {{stage.Green.Address}}, port: {{stage.Green.Port}} }]
            """));

        var apply = await CliRun.RunAsync(fixture.Cli("service", "apply", "-f", spec));
        var release = await CliRun.RunAsync(fixture.Cli("release", AgentStage.Service, "--version", "2"));
        var proxy = await Eventually.UntilAsync(() => GetAsync("edge-flow"), p => p.AgentRoutesVersion > 0, Patience, "the agent acknowledging a pushed version");

        Assert.True(apply.Exit == 0, apply.Output);
        Assert.True(release.Exit == 0, release.Output);
        Assert.Equal("green", await stage.ColourAsync());
        Assert.Equal(AgentStage.GreenBackend, await stage.RuntimeRouteAsync());
        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
        Assert.Equal(AgentStage.GreenBackend, proxy.Routes[AgentStage.Host]);
    }

    [Fact]
    public async Task Connect_HelloNamesAnotherProxy_PermissionDeniedAndNothingRecordedForIt()
    {
        var edgeA = await IssueAsync("edge-wrong-a");
        _ = await IssueAsync("edge-wrong-b");

        var error = await Assert.ThrowsAsync<RpcException>(() => OpenAsync(edgeA, "edge-wrong-b"));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var b = await GetAsync("edge-wrong-b");

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.DoesNotContain(edgeA, error.Status.Detail, StringComparison.Ordinal);
        Assert.False(b.AgentConnected);
        Assert.Null(b.AgentLastSeen);
        Assert.Empty(b.AgentVersion);
        AssertNeverLogged(edgeA);
    }

    [Fact]
    public async Task AgentCredential_OnReadAndAdminRpcs_Unauthenticated()
    {
        var credential = await IssueAsync("edge-doors");
        var headers = new Metadata { { "authorization", "Bearer " + credential } };

        var read = await Assert.ThrowsAsync<RpcException>(async () => await Proxies.ListProxiesAsync(new V1.ListProxiesRequest(), headers));
        var admin = await Assert.ThrowsAsync<RpcException>(async () => await Proxies.RemoveProxyAsync(new V1.RemoveProxyRequest { Id = "edge-doors" }, headers));

        Assert.Equal(StatusCode.Unauthenticated, read.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, admin.StatusCode);
        Assert.Equal(V1.ProxyMode.Agent, (await GetAsync("edge-doors")).Mode);
        AssertNeverLogged(credential);
    }

    [Fact]
    public async Task Connect_AdminOrReadToken_Unauthenticated()
    {
        _ = await IssueAsync("edge-tokens");

        var admin = await Assert.ThrowsAsync<RpcException>(() => OpenAsync(ServerProcess.AdminToken, "edge-tokens"));
        var read = await Assert.ThrowsAsync<RpcException>(() => OpenAsync(ServerProcess.ReadToken, "edge-tokens"));

        Assert.Equal(StatusCode.Unauthenticated, admin.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, read.StatusCode);
        Assert.False((await GetAsync("edge-tokens")).AgentConnected);
    }

    [Fact]
    public async Task ProxyAddAgentAgain_OldStreamCutAndOldCredentialRefused()
    {
        var old = await IssueAsync("edge-reissue");
        var (call, reading) = await OpenAsync(old, "edge-reissue");
        using var first = call;
        await Eventually.UntilAsync(() => GetAsync("edge-reissue"), p => p.AgentConnected, Patience, "the first stream connected");

        var fresh = await IssueAsync("edge-reissue");
        var cut = await Assert.ThrowsAsync<RpcException>(() => reading.WaitAsync(Patience));
        var again = await Assert.ThrowsAsync<RpcException>(() => OpenAsync(old, "edge-reissue"));
        using var next = (await OpenAsync(fresh, "edge-reissue")).Call;
        var proxy = await Eventually.UntilAsync(() => GetAsync("edge-reissue"), p => p.AgentConnected, Patience, "the new credential's stream connected");

        Assert.Equal(StatusCode.Unauthenticated, cut.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, again.StatusCode);
        Assert.NotEqual(old, fresh);
        Assert.True(proxy.AgentConnected);
        AssertNeverLogged(old);
        AssertNeverLogged(fresh);
    }

    [Fact]
    public async Task ProxyAddAgent_WithRuntimeApi_RefusedNothingRegistered()
    {
        var (exit, output) = await CliRun.RunAsync(fixture.Cli("proxy", "add", "edge-mixed", "--agent", "--runtime-api", "unix:///tmp/x.sock"));
        var raw = await Assert.ThrowsAsync<RpcException>(async () => await Proxies.RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = "edge-mixed", Agent = true, MapFile = "/tmp/x.map" }, AgentServerFixture.Admin));

        Assert.Equal(64, exit);
        Assert.Contains("--agent takes no --runtime-api", output, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, raw.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => GetAsync("edge-mixed"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    private async Task<V1.Proxy> GetAsync(string id) => await Proxies.GetProxyAsync(new V1.GetProxyRequest { Id = id }, AgentServerFixture.Read);

    private async Task<string> IssueAsync(string id)
    {
        var proxy = await Proxies.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = id, Agent = true }, AgentServerFixture.Admin);
        Assert.StartsWith("bga1." + id + ".", proxy.AgentCredential, StringComparison.Ordinal);
        return proxy.AgentCredential;
    }

    /// <summary>
    /// Opens a stream with a hello; returns once the server has taken it (a refusal throws here), with the read of the
    /// server's first message still pending.
    /// </summary>
    private async Task<(AsyncDuplexStreamingCall<V1.AgentMessage, V1.ServerMessage> Call, Task<bool> Next)> OpenAsync(string credential, string helloProxyId)
    {
        var call = Agents.Connect(new Metadata { { "authorization", "Bearer " + credential } });
        try
        {
            try
            {
                await call.RequestStream.WriteAsync(new V1.AgentMessage { Hello = new V1.AgentHello { ProxyId = helloProxyId, AgentVersion = "test-1", HeldVersion = 3 } });
            }
            catch (RpcException)
            {
                // The server refused the call before the hello was written (the writer only says Cancelled): its status.
                await call.ResponseStream.MoveNext(CancellationToken.None);
                throw;
            }

            // The server answers a refused stream at once; an admitted one stays open without a message (no routes yet).
            var first = call.ResponseStream.MoveNext(CancellationToken.None);
            if (await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(2))) == first)
            {
                await first;
            }

            return first.IsCompleted ? throw new InvalidOperationException("the server ended an admitted stream") : (call, first);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    private void AssertNeverLogged(string credential)
    {
        Assert.DoesNotContain(credential, fixture.Server.Output, StringComparison.Ordinal);
        // Nor its secret half alone.
        Assert.DoesNotContain(credential[^64..], fixture.Server.Output, StringComparison.Ordinal);
    }
}
