using System.Collections.Immutable;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Grains.Tests.Integration;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// Group commit in agent mode, against a stand-in link (the real agent and haproxy: Faults.Tests' AgentFleetTests):
/// route changes that arrive while a push runs share the next push of the full set and one write of the grain state,
/// a failed push or write fails every caller of its batch and leaves the routes as they were, and a stale change is
/// refused alone.
/// </summary>
public sealed class ProxyGrainAgentCommitTests : IAsyncLifetime
{
    private const string Digest = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
    private const string StateName = "proxy";

    // Before group commit every change was its own push and write: fifty of each.
    private const int FewCommits = 5;
    private readonly FakeProxyAccessFactory _proxies = new();
    private readonly FaultyGrainStorage _storage = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await FakeProxySilo.StartAsync(_proxies, storage: _storage);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SaveRouteAsync_FiftyAtOnceOnAnAgentProxy_FewPushesCarryAllAndTheStateHoldsTheAckedVersion()
    {
        var (grain, agent) = await ConnectedAsync("edge-saves");
        var keys = Keys(50);
        var writesBefore = _storage.Writes(StateName);

        var errors = await WhileFirstPushHeldAsync(grain, agent, () => keys.Select(k => FailureAsync(grain.SaveRouteAsync(k, "web_green", 10))).ToList());

        var stored = await _storage.StoredAsync<ProxyState>(StateName);
        var last = agent.Pushes[^1];
        Assert.All(errors, e => Assert.Null(e));
        Assert.InRange(agent.Pushes.Count, 1, FewCommits);
        Assert.InRange(_storage.Writes(StateName) - writesBefore, 1, FewCommits);
        Assert.All(keys, k => Assert.Equal("web_green", last.Routes.GetValueOrDefault(k)));
        Assert.All(keys, k => Assert.Equal("web_green", stored.Routes.GetValueOrDefault(k)));
        Assert.Equal(last.Version, stored.AgentRoutesVersion);
        Assert.Equal(agent.HeldVersion, stored.AgentRoutesVersion);
        Assert.Equal(agent.HeldVersion, (await grain.GetStatusAsync()).Agent!.DesiredVersion);
    }

    [Fact]
    public async Task SwitchRouteAsync_FiftyKeysAtOnceOnAnAgentProxy_FewPushesEachReturnsOnceTheAgentHoldsIt()
    {
        var (grain, agent) = await ConnectedAsync("edge-switches");
        var keys = Keys(50);
        var writesBefore = _storage.Writes(StateName);

        var times = await WhileFirstPushHeldAsync(grain, agent, () => keys.Select(k => grain.SwitchRouteAsync(k, "web_green", 10)).ToList());

        Assert.InRange(agent.Pushes.Count, 1, FewCommits);
        Assert.Equal(keys.Count, times.Length);
        Assert.All(keys, k => Assert.Equal("web_green", agent.Held.GetValueOrDefault(k)));
        Assert.Equal(agent.Held, (await grain.GetStatusAsync()).Routes);
        // A switch is not persisted: its save is.
        Assert.Equal(writesBefore, _storage.Writes(StateName));
    }

    [Fact]
    public async Task SaveRouteAsync_PushOfTheBatchFails_EveryCallerFailsAndRoutesStayAsBefore()
    {
        var (grain, agent) = await ConnectedAsync("edge-push-fails");
        var keys = Keys(20);
        await Task.WhenAll(keys.Select(k => grain.SaveRouteAsync(k, "web_blue", 10)));
        var pushesBefore = agent.Pushes.Count;
        agent.Broken = new BlueGreenException(ErrorCode.Unavailable, "proxy 'edge-push-fails': agent: the agent stream ended");

        var errors = await WhileFirstPushHeldAsync(grain, agent, () => keys.Select(k => FailureAsync(grain.SaveRouteAsync(k, "web_green", 11))).ToList());

        var stored = await _storage.StoredAsync<ProxyState>(StateName);
        var desired = (await grain.GetStatusAsync()).Routes;
        Assert.All(errors, e => Assert.Equal(ErrorCode.Unavailable, e?.Code));
        Assert.All(keys, k => Assert.Equal("web_blue", desired[k]));
        Assert.All(keys, k => Assert.Equal("web_blue", stored.Routes[k]));
        Assert.All(keys, k => Assert.Equal("web_blue", agent.Held[k]));
        // Nothing pushed got through, and the calls did not cost one push attempt each.
        Assert.Equal(pushesBefore, agent.Pushes.Count);
        Assert.InRange(agent.Attempts - pushesBefore, 1, FewCommits);
    }

    [Fact]
    public async Task SaveRouteAsync_WriteOfTheBatchFails_EveryCallerFailsAndTheAgentIsPutBack()
    {
        var (grain, agent) = await ConnectedAsync("edge-write-fails");
        var keys = Keys(20);
        await Task.WhenAll(keys.Select(k => grain.SaveRouteAsync(k, "web_blue", 10)));
        var pushesBefore = agent.Pushes.Count;
        _storage.FailWrites(StateName, new IOException("database or disk is full"));

        var errors = await WhileFirstPushHeldAsync(grain, agent, () => keys.Select(k => FailureAsync(grain.SaveRouteAsync(k, "web_green", 11))).ToList());
        _storage.Heal(StateName);

        var stored = await _storage.StoredAsync<ProxyState>(StateName);
        var desired = (await grain.GetStatusAsync()).Routes;
        Assert.All(errors, e => Assert.Equal(ErrorCode.Unavailable, e?.Code));
        Assert.All(errors, e => Assert.Contains("put back", e!.Message, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.Equal("web_blue", desired[k]));
        Assert.All(keys, k => Assert.Equal("web_blue", stored.Routes[k]));
        Assert.All(keys, k => Assert.Equal("web_blue", agent.Held[k]));
        // Each batch: its push, then the put-back's push.
        Assert.InRange(agent.Pushes.Count - pushesBefore, 2, 2 * FewCommits);
    }

    [Fact]
    public async Task SaveRouteAsync_StaleVersionAmongABatch_RefusedAloneTheOthersSaved()
    {
        var (grain, agent) = await ConnectedAsync("edge-stale");
        var keys = Keys(20);
        await grain.SaveRouteAsync(keys[0], "web_blue", 20);
        var pushesBefore = agent.Pushes.Count;

        var results = await WhileFirstPushHeldAsync<BlueGreenException?>(grain, agent, () =>
            [.. keys.Skip(1).Select(k => FailureAsync(grain.SaveRouteAsync(k, "web_green", 21))), FailureAsync(grain.SaveRouteAsync(keys[0], "web_green", 19))]);

        var stored = await _storage.StoredAsync<ProxyState>(StateName);
        Assert.All(results[..^1], e => Assert.Null(e));
        Assert.Equal(ErrorCode.FailedPrecondition, results[^1]?.Code);
        Assert.Equal("web_blue", agent.Held[keys[0]]);
        Assert.Equal("web_blue", stored.Routes[keys[0]]);
        Assert.All(keys.Skip(1), k => Assert.Equal("web_green", agent.Held[k]));
        Assert.All(keys.Skip(1), k => Assert.Equal("web_green", stored.Routes[k]));
        Assert.InRange(agent.Pushes.Count - pushesBefore, 1, FewCommits);
    }

    /// <summary>
    /// Starts the calls while the agent holds every push (a slow host), lets the first batch through once the status
    /// call sent after them answered (the calls before it have reached the grain), and waits for every call.
    /// </summary>
    private static async Task<T[]> WhileFirstPushHeldAsync<T>(IProxyGrain grain, FakeAgentLink agent, Func<List<Task<T>>> calls)
    {
        agent.HoldPushes();
        List<Task<T>> started;
        try
        {
            started = calls();
            await Eventually.UntilAsync(() => Task.FromResult(agent.Waiting), n => n == 1, TimeSpan.FromSeconds(20), "the first batch's push reaching the agent");
            await grain.GetStatusAsync();
        }
        finally
        {
            agent.ReleasePushes();
        }

        return await Task.WhenAll(started).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<BlueGreenException?> FailureAsync(Task call)
    {
        try
        {
            await call;
            return null;
        }
        catch (BlueGreenException e)
        {
            return e;
        }
    }

    private static List<string> Keys(int count) => [.. Enumerable.Range(0, count).Select(i => $"svc-{i}.local")];

    private async Task<(IProxyGrain Grain, FakeAgentLink Agent)> ConnectedAsync(string id)
    {
        var grain = _cluster.Client.GetGrain<IProxyGrain>(id);
        await grain.RegisterAgentAsync(new ProxyRegistration { RuntimeApi = string.Empty, MapFile = string.Empty, Mode = ProxyMode.Agent }, Digest);
        var agent = new FakeAgentLink();
        Assert.Equal(AgentVerdict.Current, await grain.AgentConnectedAsync(Digest, Guid.NewGuid(), new AgentHello { AgentVersion = "1" }, _cluster.Client.CreateObjectReference<IAgentLink>(agent)));
        return (grain, agent);
    }
}
