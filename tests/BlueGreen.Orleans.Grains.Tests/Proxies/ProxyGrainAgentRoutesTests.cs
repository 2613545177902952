using System.Collections.Immutable;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// The proxy grain's agent-mode logic against a stand-in link (the real stream, agent and haproxy are exercised by
/// Agent.Tests' AgentFleetTests): route changes push the full set with a new version, a failed push leaves the desired
/// routes as they were, and a resync pushes them again with a newer version.
/// </summary>
public sealed class ProxyGrainAgentRoutesTests : IAsyncLifetime
{
    private const string Digest = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    private const string Key = "web.local";
    private readonly FakeProxyAccessFactory _proxies = new();
    private InProcessTestCluster _cluster = null!;
    private Guid _stream;

    public async Task InitializeAsync() => _cluster = await FakeProxySilo.StartAsync(_proxies);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SwitchAndSaveRouteAsync_AgentMode_FullSetPushedOnceAndItsVersionKept()
    {
        var (grain, agent) = await ConnectedAsync("edge-push");

        await grain.SwitchRouteAsync(Key, "web_green", 10);
        await grain.SaveRouteAsync(Key, "web_green", 10);
        await grain.SwitchRouteAsync("api.local", "api_blue", 11);
        await grain.SaveRouteAsync("api.local", "api_blue", 11);

        Assert.Equal(2, agent.Pushes.Count);
        Assert.True(agent.Pushes[1].Version > agent.Pushes[0].Version);
        Assert.Equal(new Dictionary<string, string> { [Key] = "web_green", ["api.local"] = "api_blue" }, agent.Held);
        Assert.Equal(agent.Held, (await grain.GetStatusAsync()).Routes);
        Assert.Equal(agent.Held, await grain.GetServedRoutesAsync());
    }

    [Fact]
    public async Task SwitchRouteAsync_AgentTookTheVersionButFailed_UnavailableDesiredUnchangedAndResyncPutsItBack()
    {
        var (grain, agent) = await ConnectedAsync("edge-failed");
        await grain.SwitchRouteAsync(Key, "web_blue", 10);
        await grain.SaveRouteAsync(Key, "web_blue", 10);
        agent.Answer = AgentAckStatus.Failed;

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SwitchRouteAsync(Key, "web_green", 11));
        Assert.Equal("web_green", agent.Held[Key]);
        agent.Answer = null;
        await grain.SyncAgentAsync();

        Assert.Equal(ErrorCode.Unavailable, error.Code);
        Assert.Equal("web_blue", (await grain.GetStatusAsync()).Routes[Key]);
        Assert.Equal("web_blue", agent.Held[Key]);
        Assert.True(agent.Pushes[^1].Version > agent.Pushes[^2].Version, "the resync must push a newer version than the failed one");
    }

    [Fact]
    public async Task SwitchThenSave_AgentAcksRuntimeThenDisk_SwitchReturnsBeforeTheDiskAndTheSaveWaitsForIt()
    {
        var (grain, agent) = await ConnectedAsync("edge-two-phase");
        agent.TwoPhase = true;
        agent.HoldFinals();

        // The switch returns on the runtime ack, while the agent's disk is still held back.
        await grain.SwitchRouteAsync(Key, "web_green", 10).WaitAsync(TimeSpan.FromSeconds(10));
        var runtime = agent.Runtime.GetValueOrDefault(Key);
        var heldMeanwhile = agent.Held.GetValueOrDefault(Key);
        var save = grain.SaveRouteAsync(Key, "web_green", 10);
        await Task.Delay(200);
        var saveDoneBeforeDisk = save.IsCompleted;
        agent.ReleaseFinals();
        await save.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("web_green", runtime);
        Assert.Null(heldMeanwhile);
        Assert.False(saveDoneBeforeDisk, "a save must not return before the agent's disk holds the route");
        Assert.Single(agent.Pushes);
        Assert.Equal("web_green", agent.Held[Key]);
        Assert.Equal(agent.Pushes[0].Version, (await grain.GetStatusAsync()).Agent!.DesiredVersion);
    }

    [Fact]
    public async Task SwitchThenSave_AgentDiskFails_SaveUnavailableAndTheRouteIsPutBackEverywhere()
    {
        var (grain, agent) = await ConnectedAsync("edge-two-phase-fails");
        await grain.SwitchRouteAsync(Key, "web_blue", 10);
        await grain.SaveRouteAsync(Key, "web_blue", 10);
        agent.TwoPhase = true;
        agent.FinalAnswer = AgentAckStatus.Failed;

        await grain.SwitchRouteAsync(Key, "web_green", 11);
        var error = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SaveRouteAsync(Key, "web_green", 11));
        agent.TwoPhase = false;
        await grain.SyncAgentAsync();

        Assert.Equal(ErrorCode.Unavailable, error.Code);
        Assert.Contains("did not store routes version", error.Message, StringComparison.Ordinal);
        Assert.Equal("web_blue", (await grain.GetStatusAsync()).Routes[Key]);
        Assert.Equal("web_blue", agent.Runtime[Key]);
        Assert.Equal("web_blue", agent.Held[Key]);
    }

    [Fact]
    public async Task SwitchRouteAsync_AgentStreamGone_UnavailableAndNothingChanged()
    {
        var (grain, agent) = await ConnectedAsync("edge-gone");
        agent.Broken = new BlueGreenException(ErrorCode.Unavailable, "proxy 'edge-gone': agent: the agent stream ended");

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => grain.SwitchRouteAsync(Key, "web_green", 10));

        Assert.Equal(ErrorCode.Unavailable, error.Code);
        Assert.Empty((await grain.GetStatusAsync()).Routes);
        Assert.Empty(agent.Pushes);
        await Assert.ThrowsAsync<BlueGreenException>(() => grain.GetServedRoutesAsync());
    }

    [Fact]
    public async Task AgentConnectedAsync_AgentHoldsAnotherVersion_DesiredRoutesPushedNewer_SameVersionLeftAlone()
    {
        var (grain, first) = await ConnectedAsync("edge-resync");
        await grain.SwitchRouteAsync(Key, "web_green", 10);
        await grain.SaveRouteAsync(Key, "web_green", 10);
        var held = first.HeldVersion;

        // The same agent back with the version it held: nothing to push.
        var same = new FakeAgentLink();
        await grain.AgentConnectedAsync(Digest, Guid.NewGuid(), new AgentHello { AgentVersion = "1", HeldVersion = held }, Reference(same));
        await grain.SyncAgentAsync();

        // An agent whose disk was wiped (holds nothing): the desired routes again, newer than any before.
        var wiped = new FakeAgentLink();
        await grain.AgentConnectedAsync(Digest, Guid.NewGuid(), new AgentHello { AgentVersion = "1", HeldVersion = 0 }, Reference(wiped));
        await grain.SyncAgentAsync();

        Assert.Empty(same.Pushes);
        var push = Assert.Single(wiped.Pushes);
        Assert.True(push.Version > held);
        Assert.Equal("web_green", push.Routes[Key]);
    }

    [Fact]
    public async Task AgentConnectedAsync_ProxyNeverRoutedAndAgentHoldsRoutes_NothingPushed()
    {
        var grain = _cluster.Client.GetGrain<IProxyGrain>("edge-fresh");
        await grain.RegisterAgentAsync(new ProxyRegistration { RuntimeApi = string.Empty, MapFile = string.Empty, Mode = ProxyMode.Agent }, Digest);
        var agent = new FakeAgentLink();

        await grain.AgentConnectedAsync(Digest, Guid.NewGuid(), new AgentHello { AgentVersion = "1", HeldVersion = 7, Converged = true }, Reference(agent));
        await grain.SyncAgentAsync();

        Assert.Empty(agent.Pushes);
        Assert.Equal(7, (await grain.GetStatusAsync()).Agent!.HeldVersion);
    }

    [Fact]
    public async Task GetBackendAsync_AgentMode_ReadsTheSnapshotThenUnreachableOnceStale()
    {
        var (grain, _) = await ConnectedAsync("edge-snapshot", TimeSpan.FromMilliseconds(100));
        var servers = ImmutableList.Create(new ServerHealth("green1", "UP", "L7OK", 2, 1, 0, 10));
        Assert.Equal(AgentVerdict.Current, await grain.AgentReportedAsync(Digest, _stream, new AgentReport
        {
            SnapshotReadAt = DateTimeOffset.UtcNow,
            Full = true,
            Backends = ImmutableDictionary<string, BackendReport>.Empty.Add("web_green", new BackendReport { ProxyId = "x", Backend = "web_green", Reachable = true, Servers = servers }),
        }));

        var fresh = await grain.GetBackendAsync("web_green");
        var stale = await Eventually.UntilAsync(() => grain.GetBackendAsync("web_green"), r => !r.Reachable, TimeSpan.FromSeconds(10), "the snapshot aged past three ticks and the 3 s floor");

        Assert.True(fresh.AllUp);
        Assert.Equal("edge-snapshot", fresh.ProxyId);
        Assert.Equal(3, fresh.Sessions);
        Assert.Contains("s old", stale.Error, StringComparison.Ordinal);
    }

    private async Task<(IProxyGrain Grain, FakeAgentLink Agent)> ConnectedAsync(string id, TimeSpan? tick = null)
    {
        var grain = _cluster.Client.GetGrain<IProxyGrain>(id);
        await grain.RegisterAgentAsync(new ProxyRegistration { RuntimeApi = string.Empty, MapFile = string.Empty, Mode = ProxyMode.Agent }, Digest);
        var agent = new FakeAgentLink();
        _stream = Guid.NewGuid();
        Assert.Equal(AgentVerdict.Current, await grain.AgentConnectedAsync(Digest, _stream, new AgentHello { AgentVersion = "1", Tick = tick }, Reference(agent)));
        return (grain, agent);
    }

    private IAgentLink Reference(FakeAgentLink link) => _cluster.Client.CreateObjectReference<IAgentLink>(link);
}
