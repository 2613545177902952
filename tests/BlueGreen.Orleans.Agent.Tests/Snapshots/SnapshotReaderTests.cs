using BlueGreen.Orleans.Agent.Snapshots;
using BlueGreen.Orleans.Agent.Tests.Support;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Agent.Tests.Snapshots;

/// <summary>Snapshots of a real haproxy: two reads per tick, and a diff that names only what changed.</summary>
public sealed class SnapshotReaderTests
{
    [Fact]
    public async Task ReadAsync_RealHaProxy_EveryBackendAndOnlyChangesAfterwards()
    {
        await using var stage = await AgentStage.StartAsync();
        var reader = new SnapshotReader(stage.Client, TimeProvider.System);

        var first = await reader.ReadAsync(CancellationToken.None);
        var unchanged = SnapshotDiff.Compute(first, await reader.ReadAsync(CancellationToken.None));
        await stage.Client.SetServerStateAsync(AgentStage.GreenBackend, "s1", ServerAdminState.Maint);
        var second = await reader.ReadAsync(CancellationToken.None);
        var change = SnapshotDiff.Compute(first, second);

        Assert.Contains(AgentStage.BlueBackend, first.Backends.Keys);
        Assert.Contains(AgentStage.GreenBackend, first.Backends.Keys);
        Assert.Equal("UP", Assert.Single(first.Backends[AgentStage.BlueBackend].Servers).Status);
        Assert.Equal($"{stage.Blue.Address}:{stage.Blue.Port}", first.Backends[AgentStage.BlueBackend].Servers[0].Address);
        Assert.Equal((await stage.Client.ShowInfoAsync()).Pid, first.WorkerPid);
        Assert.True(unchanged.IsEmpty, string.Join("; ", unchanged.Changed.Select(b => $"{b.Name}: {string.Join(", ", first.Backends[b.Name].Servers)} totals {first.Backends[b.Name].Totals} → {string.Join(", ", b.Servers)} totals {b.Totals}")));
        var backend = Assert.Single(change.Changed);
        Assert.Equal(AgentStage.GreenBackend, backend.Name);
        Assert.Equal("MAINT", Assert.Single(backend.Servers).Status);
    }

    [Fact]
    public async Task ReadAsync_EveryServerDown_HaProxysOwn503sInTheBackendsTotalsAndTheDiff()
    {
        await using var stage = await AgentStage.StartAsync();
        var reader = new SnapshotReader(stage.Client, TimeProvider.System);
        var first = await reader.ReadAsync(CancellationToken.None);
        // Checks stopped first: the echo still answers them, and two passing checks would bring it UP again before the
        // requests under load (a 200 where HAProxy's own 503 was expected, once in a full run).
        await stage.Client.DisableHealthAsync(AgentStage.BlueBackend, "s1");
        await stage.Client.SetServerHealthAsync(AgentStage.BlueBackend, "s1", ServerHealthState.Down);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, stage.Proxy.FrontendUrl);
            request.Headers.Host = AgentStage.Host;
            using var response = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        var second = await reader.ReadAsync(CancellationToken.None);
        var change = SnapshotDiff.Compute(first, second);

        var before = first.Backends[AgentStage.BlueBackend].Totals!;
        var after = second.Backends[AgentStage.BlueBackend].Totals!;
        Assert.Equal(3, after.Http5xxResponses - before.Http5xxResponses);
        Assert.Equal(first.Backends[AgentStage.BlueBackend].Servers[0].Http5xxResponses, second.Backends[AgentStage.BlueBackend].Servers[0].Http5xxResponses);
        Assert.Equal(after, Assert.Single(change.Changed, b => b.Name == AgentStage.BlueBackend).Totals);
    }

    [Fact]
    public async Task ReadAsync_ConnectionHeldToBackend_CountsSessionsAndUsedConnections()
    {
        await using var stage = await AgentStage.StartAsync();
        var reader = new SnapshotReader(stage.Client, TimeProvider.System);
        // A request the echo answers after a delay holds one session to blue while the tick reads.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(stage.Proxy.FrontendUrl, "/?delay_ms=3000"));
        request.Headers.Host = AgentStage.Host;
        var pending = http.SendAsync(request);
        try
        {
            var snapshot = await Harness.Eventually.UntilAsync(
                () => reader.ReadAsync(CancellationToken.None),
                s => s.Backends[AgentStage.BlueBackend].Servers[0].Sessions > 0,
                TimeSpan.FromSeconds(5),
                "a session to blue");

            Assert.True(snapshot.Backends[AgentStage.BlueBackend].Servers[0].UsedConnections > 0, snapshot.Backends[AgentStage.BlueBackend].ToString());
        }
        finally
        {
            using var _ = await pending;
        }
    }
}
