using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Tests.Support;
using BlueGreen.Orleans.HaProxy.Maps;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlueGreen.Orleans.Agent.Tests.Routes;

/// <summary>The route keeper against a real haproxy (unix socket only): what it converges, and what it leaves alone.</summary>
public sealed class RouteKeeperTests
{
    private const string Api = "api.local";

    [Fact]
    public async Task OfferAsync_NewerVersion_RuntimeMapFileAndStateFileAgreeAndAckCarriesVersionAndTimings()
    {
        await using var stage = await AgentStage.StartAsync();
        var keeper = Keeper(stage);
        var desired = new DesiredRoutes(3, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend, [Api] = AgentStage.BlueBackend });

        var ack = await keeper.OfferAsync(desired, CancellationToken.None);

        Assert.Equal(AckStatus.Applied, ack.Status);
        Assert.Equal(3, ack.Version);
        Assert.Equal(3, ack.HeldVersion);
        Assert.Null(ack.Error);
        Assert.Equal(
            [("add map", Api, AgentStage.BlueBackend), ("set map", AgentStage.Host, AgentStage.GreenBackend)],
            ack.Commands.Select(c => (c.Command, c.Key, c.Value)));
        Assert.All(ack.Commands, c => Assert.True(c.Ok && c.Duration > TimeSpan.Zero, $"{c.Command} {c.Key}: {c.Error}"));
        Assert.True(ack.StateFile > TimeSpan.Zero && ack.MapFile > TimeSpan.Zero && ack.Runtime > TimeSpan.Zero, ack.ToString());
        Assert.True(ack.Total >= ack.StateFile + ack.MapFile + ack.Runtime, ack.ToString());
        Assert.Equal((await stage.Client.ShowInfoAsync()).Pid, ack.HaProxyPid);

        var expected = desired.Routes.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        var runtime = await stage.Client.ShowMapAsync(stage.Proxy.MapFile);
        Assert.Equal(expected, runtime.Select(e => KeyValuePair.Create(e.Key, e.Value)).OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal(expected, (await MapFile.ReadAsync(stage.Proxy.MapFile)).Select(e => KeyValuePair.Create(e.Key, e.Value)));
        var state = await stage.Store().LoadAsync(CancellationToken.None);
        Assert.Equal(3, state!.Version);
        Assert.Equal(expected, state.Routes.OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal("green", await stage.ColourAsync());
    }

    [Fact]
    public async Task OfferAsync_EqualOrLowerVersion_IgnoredWithNothingTouched()
    {
        await using var stage = await AgentStage.StartAsync();
        var keeper = Keeper(stage);
        await keeper.OfferAsync(new DesiredRoutes(5, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), CancellationToken.None);
        var stateWritten = File.GetLastWriteTimeUtc(stage.Store().FilePath);
        var blue = new Dictionary<string, string> { [AgentStage.Host] = AgentStage.BlueBackend };

        var equal = await keeper.OfferAsync(new DesiredRoutes(5, blue), CancellationToken.None);
        var lower = await keeper.OfferAsync(new DesiredRoutes(4, blue), CancellationToken.None);

        Assert.Equal((AckStatus.AlreadyHeld, 5L, 5L), (equal.Status, equal.Version, equal.HeldVersion));
        Assert.Equal((AckStatus.Stale, 4L, 5L), (lower.Status, lower.Version, lower.HeldVersion));
        Assert.Empty(equal.Commands);
        Assert.Empty(lower.Commands);
        Assert.Equal(AgentStage.GreenBackend, await stage.RuntimeRouteAsync());
        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
        Assert.Equal(5, (await stage.Store().LoadAsync(CancellationToken.None))!.Version);
        Assert.Equal(stateWritten, File.GetLastWriteTimeUtc(stage.Store().FilePath));
    }

    [Fact]
    public async Task OfferAsync_KeyWithCommandSeparator_RefusedWithNothingChanged()
    {
        await using var stage = await AgentStage.StartAsync();
        var keeper = Keeper(stage);
        var hostile = new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend, ["x;shutdown sessions server web_blue/s1"] = AgentStage.GreenBackend };

        var ack = await keeper.OfferAsync(new DesiredRoutes(1, hostile), CancellationToken.None);

        Assert.Equal(AckStatus.Refused, ack.Status);
        Assert.Equal(0, ack.HeldVersion);
        Assert.DoesNotContain('\n', ack.Error!);
        Assert.False(File.Exists(stage.Store().FilePath));
        Assert.Equal(AgentStage.BlueBackend, await stage.RuntimeRouteAsync());
        Assert.Equal(AgentStage.BlueBackend, await stage.FileRouteAsync());
    }

    [Fact]
    public async Task OfferAsync_WithEarlyAck_RuntimeSwitchedBeforeTheDiskAndTheFinalAckOnceBothHoldIt()
    {
        await using var stage = await AgentStage.StartAsync();
        var keeper = Keeper(stage);
        await keeper.OfferAsync(new DesiredRoutes(1, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.BlueBackend }), CancellationToken.None);
        RoutesApplyResult? early = null;
        (string? Runtime, long? State, string? File) atEarly = default;

        var final = await keeper.OfferAsync(
            new DesiredRoutes(2, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }),
            async ack =>
            {
                early = ack;
                atEarly = (await stage.RuntimeRouteAsync(), (await stage.Store().LoadAsync(CancellationToken.None))?.Version, await stage.FileRouteAsync());
            },
            CancellationToken.None);

        Assert.Equal((AckStatus.RuntimeApplied, 2L, 1L), (early!.Status, early.Version, early.HeldVersion));
        Assert.Equal([("set map", AgentStage.Host)], early.Commands.Select(c => (c.Command, c.Key)));
        Assert.Equal((AgentStage.GreenBackend, 1L, AgentStage.BlueBackend), atEarly);
        Assert.Equal((AckStatus.Applied, 2L, 2L), (final.Status, final.Version, final.HeldVersion));
        Assert.True(final.StateFile > TimeSpan.Zero && final.MapFile > TimeSpan.Zero, final.ToString());
        Assert.Equal(2, (await stage.Store().LoadAsync(CancellationToken.None))!.Version);
        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
        Assert.Equal(AgentStage.GreenBackend, await stage.RuntimeRouteAsync());
    }

    [Fact]
    public async Task OfferAsync_RuntimeChangedByHandSinceTheLastVersion_OnlyTheDifferenceBeforeTheEarlyAckAndTheRestPutRightAfter()
    {
        await using var stage = await AgentStage.StartAsync();
        var keeper = Keeper(stage);
        await keeper.OfferAsync(new DesiredRoutes(1, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.BlueBackend }), CancellationToken.None);
        await stage.Client.AddMapAsync(stage.Proxy.MapFile, Api, AgentStage.BlueBackend);
        RoutesApplyResult? early = null;

        var final = await keeper.OfferAsync(
            new DesiredRoutes(2, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }),
            ack =>
            {
                early = ack;
                return Task.CompletedTask;
            },
            CancellationToken.None);

        Assert.Equal([("set map", AgentStage.Host)], early!.Commands.Select(c => (c.Command, c.Key)));
        Assert.Equal(AckStatus.Applied, final.Status);
        Assert.Equal([("set map", AgentStage.Host), ("del map", Api)], final.Commands.Select(c => (c.Command, c.Key)));
        var runtime = await stage.Client.ShowMapAsync(stage.Proxy.MapFile);
        Assert.Equal([(AgentStage.Host, AgentStage.GreenBackend)], runtime.Select(e => (e.Key, e.Value)));
    }

    [Fact]
    public async Task OfferAsync_StateFileCannotBeWritten_FailedAndTheRuntimePutBackAsItWas()
    {
        await using var stage = await AgentStage.StartAsync();
        var keeper = Keeper(stage);
        await keeper.OfferAsync(new DesiredRoutes(1, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.BlueBackend }), CancellationToken.None);
        // The state file's name taken by a folder: the rename of the new state file fails.
        File.Delete(stage.Store().FilePath);
        Directory.CreateDirectory(stage.Store().FilePath);
        string? runtimeAtEarly = null;

        var final = await keeper.OfferAsync(
            new DesiredRoutes(2, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend, [Api] = AgentStage.GreenBackend }),
            async _ => runtimeAtEarly = await stage.RuntimeRouteAsync(),
            CancellationToken.None);

        Assert.Equal(AgentStage.GreenBackend, runtimeAtEarly);
        Assert.Equal((AckStatus.Failed, 2L, 1L), (final.Status, final.Version, final.HeldVersion));
        Assert.StartsWith("state file: ", final.Error, StringComparison.Ordinal);
        Assert.Equal(1, keeper.HeldVersion);
        var runtime = await stage.Client.ShowMapAsync(stage.Proxy.MapFile);
        Assert.Equal([(AgentStage.Host, AgentStage.BlueBackend)], runtime.Select(e => (e.Key, e.Value)));
        Assert.Equal(AgentStage.BlueBackend, await stage.FileRouteAsync());
    }

    [Fact]
    public async Task ReapplyAsync_RuntimeDrifted_SetsHeldRoutesAndRemovesOthers()
    {
        await using var stage = await AgentStage.StartAsync();
        var keeper = Keeper(stage);
        await keeper.OfferAsync(new DesiredRoutes(2, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), CancellationToken.None);
        // Someone changed HAProxy by hand: the route back to blue and an extra key.
        await stage.Client.SetMapAsync(stage.Proxy.MapFile, AgentStage.Host, AgentStage.BlueBackend);
        await stage.Client.AddMapAsync(stage.Proxy.MapFile, Api, AgentStage.BlueBackend);

        var ack = await keeper.ReapplyAsync(ApplyTrigger.HaProxyChanged, CancellationToken.None);

        Assert.Equal((AckStatus.Applied, 2L, ApplyTrigger.HaProxyChanged), (ack!.Status, ack.Version, ack.Trigger));
        Assert.Equal([("set map", AgentStage.Host), ("del map", Api)], ack.Commands.Select(c => (c.Command, c.Key)));
        var runtime = await stage.Client.ShowMapAsync(stage.Proxy.MapFile);
        Assert.Equal([(AgentStage.Host, AgentStage.GreenBackend)], runtime.Select(e => (e.Key, e.Value)));
    }

    [Fact]
    public async Task LoadAsync_StateFileOfAnotherRun_HeldAndReappliedWithoutTheServer()
    {
        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(new DesiredRoutes(9, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), CancellationToken.None);
        var keeper = Keeper(stage);

        var held = await keeper.LoadAsync(CancellationToken.None);
        var ack = await keeper.ReapplyAsync(ApplyTrigger.Start, CancellationToken.None);

        Assert.Equal(9, held!.Version);
        Assert.Equal((AckStatus.Applied, 9L), (ack!.Status, ack.HeldVersion));
        Assert.Equal(AgentStage.GreenBackend, await stage.RuntimeRouteAsync());
        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
    }

    private static RouteKeeper Keeper(AgentStage stage) =>
        new(stage.Client, stage.Proxy.MapFile, stage.Store(), TimeProvider.System, NullLogger<RouteKeeper>.Instance);
}
