using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// A proxy grain in agent mode: the digest of the one credential issued, mixing with direct mode refused both ways, and
/// the verdicts that keep or cut an agent's stream.
/// </summary>
public sealed class ProxyGrainAgentTests : IAsyncLifetime
{
    private static readonly string DigestA = new('a', 64);
    private static readonly string DigestB = new('b', 64);
    private readonly FakeProxyAccessFactory _proxies = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await FakeProxySilo.StartAsync(_proxies);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task RegisterAgentAsync_ReissuedCredential_OldStreamRevokedOldDigestRefused()
    {
        var grain = Grain("edge-agent");
        await grain.RegisterAgentAsync(Agent(), DigestA);
        var stream = Guid.NewGuid();
        Assert.Equal(AgentVerdict.Current, await grain.AgentConnectedAsync(DigestA, stream, new AgentHello { AgentVersion = "1.0", HeldVersion = 4 }, Link()));
        Assert.True((await grain.GetStatusAsync()).Agent!.Connected);

        await grain.RegisterAgentAsync(Agent(), DigestB);

        Assert.Equal(AgentVerdict.Revoked, await grain.AgentReportedAsync(DigestA, stream, new AgentReport()));
        Assert.False(await grain.CheckAgentCredentialAsync(DigestA));
        Assert.True(await grain.CheckAgentCredentialAsync(DigestB));
        Assert.Equal(AgentVerdict.Revoked, await grain.AgentConnectedAsync(DigestA, Guid.NewGuid(), new AgentHello { AgentVersion = "1.0" }, Link()));
        Assert.False((await grain.GetStatusAsync()).Agent!.Connected);
    }

    [Fact]
    public async Task AgentConnectedAsync_SecondStream_FirstSupersededSecondReports()
    {
        var grain = Grain("edge-twice");
        await grain.RegisterAgentAsync(Agent(), DigestA);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        // Held version 0 is what a proxy without routes desires: no resync push interferes with the verdicts here.
        await grain.AgentConnectedAsync(DigestA, first, new AgentHello { AgentVersion = "1.0", HeldVersion = 0 }, Link());
        await grain.AgentConnectedAsync(DigestA, second, new AgentHello { AgentVersion = "1.1", HeldVersion = 0 }, Link());

        Assert.Equal(AgentVerdict.Superseded, await grain.AgentReportedAsync(DigestA, first, new AgentReport { HeldVersion = 9 }));
        Assert.Equal(AgentVerdict.Current, await grain.AgentReportedAsync(DigestA, second, new AgentReport { HeldVersion = 0, SnapshotReadAt = DateTimeOffset.UtcNow }));
        await grain.AgentDisconnectedAsync(first);
        var status = (await grain.GetStatusAsync()).Agent!;

        Assert.True(status.Connected);
        Assert.Equal("1.1", status.AgentVersion);
        Assert.Equal(0, status.HeldVersion);
        Assert.NotNull(status.SnapshotAge);
    }

    [Fact]
    public async Task RegisterAsync_ModesMixed_RefusedBothWaysAndNothingChanged()
    {
        var direct = Grain("edge-direct");
        await direct.RegisterAsync(new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:1", MapFile = Path.Combine(ServerProcess.TestFilesRoot, $"agent-mix-{Guid.NewGuid():N}.map") });
        var agent = Grain("edge-agent-only");
        await agent.RegisterAgentAsync(Agent(), DigestA);

        var toAgent = await Assert.ThrowsAsync<BlueGreenException>(() => direct.RegisterAgentAsync(Agent(), DigestB));
        var toDirect = await Assert.ThrowsAsync<BlueGreenException>(() => agent.RegisterAsync(new ProxyRegistration { RuntimeApi = "tcp://127.0.0.1:1", MapFile = "/tmp/agent-mix-direct.map" }));
        var withSocket = await Assert.ThrowsAsync<BlueGreenException>(() => Grain("edge-agent-socket").RegisterAgentAsync(Agent() with { RuntimeApi = "unix:///tmp/x.sock" }, DigestA));

        Assert.Equal(ErrorCode.AlreadyExists, toAgent.Code);
        Assert.Equal(ErrorCode.AlreadyExists, toDirect.Code);
        Assert.Equal(ErrorCode.InvalidArgument, withSocket.Code);
        Assert.Equal(ProxyMode.Direct, (await direct.GetStatusAsync()).Registration!.Mode);
        Assert.True(await agent.CheckAgentCredentialAsync(DigestA));
        Assert.False(await direct.CheckAgentCredentialAsync(DigestB));
        Assert.Null((await Grain("edge-agent-socket").GetStatusAsync()).Registration);
    }

    [Fact]
    public async Task RemoveAsync_AgentMode_CredentialRevoked()
    {
        var grain = Grain("edge-removed");
        await grain.RegisterAgentAsync(Agent(), DigestA);
        var stream = Guid.NewGuid();
        await grain.AgentConnectedAsync(DigestA, stream, new AgentHello { AgentVersion = "1.0" }, Link());

        await grain.RemoveAsync();

        Assert.False(await grain.CheckAgentCredentialAsync(DigestA));
        Assert.Equal(AgentVerdict.Revoked, await grain.AgentReportedAsync(DigestA, stream, new AgentReport()));
    }

    private IAgentLink Link(FakeAgentLink? fake = null) => _cluster.Client.CreateObjectReference<IAgentLink>(fake ?? new FakeAgentLink());

    private static ProxyRegistration Agent() => new() { RuntimeApi = string.Empty, MapFile = string.Empty, Mode = ProxyMode.Agent };

    private IProxyGrain Grain(string id) => _cluster.Client.GetGrain<IProxyGrain>(id);
}
