using BlueGreen.Orleans.Agent.Control;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Snapshots;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Agent.Tests.Control;

public sealed class ProtoMapperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ToAck_AppliedResult_CarriesVersionStatusTriggerTimingsAndEachCommand()
    {
        var result = new RoutesApplyResult
        {
            Version = 12,
            Status = AckStatus.Applied,
            HeldVersion = 12,
            Trigger = ApplyTrigger.HaProxyChanged,
            Commands = [new RouteCommandOutcome("set map", "web.local", "web_green", true, null, TimeSpan.FromMicroseconds(40))],
            StateFile = TimeSpan.FromMilliseconds(2),
            MapFile = TimeSpan.FromMilliseconds(3),
            Runtime = TimeSpan.FromMilliseconds(1),
            Total = TimeSpan.FromMilliseconds(7),
            FinishedAt = T0,
            HaProxyPid = 4242,
        };

        var ack = ProtoMapper.ToAck(result);

        Assert.Equal((12L, V1.RoutesAckStatus.Applied, 12L, V1.RoutesAckTrigger.HaproxyChanged), (ack.Version, ack.Status, ack.HeldVersion, ack.Trigger));
        Assert.Equal(
            (TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(7)),
            (ack.StateFile.ToTimeSpan(), ack.MapFile.ToTimeSpan(), ack.Runtime.ToTimeSpan(), ack.Total.ToTimeSpan()));
        var command = Assert.Single(ack.Commands);
        Assert.Equal(("set map", "web.local", "web_green", true, TimeSpan.FromMicroseconds(40)), (command.Command, command.Key, command.Value, command.Ok, command.Duration.ToTimeSpan()));
        Assert.Equal(4242, ack.HaproxyPid);
        Assert.Equal(T0, ack.FinishedAt.ToDateTimeOffset());
    }

    [Fact]
    public void ToSnapshots_ChangeOfMoreThan500Backends_ChunkedLastCompleteWithRemovals()
    {
        var backends = Enumerable.Range(0, 1201).Select(i => new BackendView($"b{i:0000}", [])).ToList();
        var change = new SnapshotChange(T0, 7, false, backends, ["gone_blue"]);

        var messages = ProtoMapper.ToSnapshots(change).ToList();

        Assert.Equal([500, 500, 201], messages.Select(m => m.Backends.Count));
        Assert.Equal([false, false, true], messages.Select(m => m.Complete));
        Assert.Equal([0, 0, 1], messages.Select(m => m.RemovedBackends.Count));
        Assert.All(messages, m => Assert.Equal(T0, m.ReadAt.ToDateTimeOffset()));
    }

    [Fact]
    public void ToSnapshots_OnlyRemovals_OneCompleteMessage()
    {
        var message = Assert.Single(ProtoMapper.ToSnapshots(new SnapshotChange(T0, 7, false, [], ["gone_blue"])));

        Assert.True(message.Complete);
        Assert.Equal(["gone_blue"], message.RemovedBackends);
    }

    [Fact]
    public void ToDesired_ServerRoutes_VersionAndEveryRoute()
    {
        var routes = new V1.DesiredRoutes { Version = 3 };
        routes.Routes.Add("web.local", "web_green");

        var desired = ProtoMapper.ToDesired(routes);

        Assert.Equal(3, desired.Version);
        Assert.Equal("web_green", desired.Routes["web.local"]);
    }
}
