using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Services;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The gateway's mapping of contract values to proto values: every known value has a distinct proto value, an unknown
/// one throws instead of turning into some other value, and unknown counts stay unset instead of a sentinel.
/// </summary>
public sealed class ProtoMapperTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly DeploymentRecord Record = new()
    {
        Id = 1,
        Service = "web",
        Kind = DeploymentKind.Release,
        From = Colour.Blue,
        Target = Colour.Green,
        Version = "2",
        Options = new ResolvedOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.Zero, 0.01, TimeSpan.FromSeconds(1)),
        CreatedAt = At,
    };

    [Fact]
    public void ToProto_EveryKnownEnumValue_DistinctAndSpecified()
    {
        var kinds = Enum.GetValues<DeploymentKind>().Select(k => ProtoMapper.ToProto(Record with { Kind = k }).Kind).ToList();
        var outcomes = Enum.GetValues<DeploymentOutcome>().Select(o => ProtoMapper.ToProto(Record with { Outcome = o }).Outcome).ToList();
        var steps = Enum.GetValues<DeploymentStep>().Select(s => ProtoMapper.ToProto(Record with { Step = s }).Step).ToList();
        var colours = Enum.GetValues<Colour>().Select(c => ProtoMapper.ToProto(Record with { Target = c }).Target).ToList();

        Assert.Equal(kinds.Count, kinds.Distinct().Count());
        Assert.DoesNotContain(V1.DeploymentKind.Unspecified, kinds);
        Assert.Equal(outcomes.Count, outcomes.Distinct().Count());
        Assert.DoesNotContain(V1.DeploymentOutcome.Unspecified, outcomes);
        Assert.Equal(steps.Count, steps.Distinct().Count());
        Assert.DoesNotContain(V1.DeploymentStep.Unspecified, steps);
        Assert.Equal([V1.Colour.Blue, V1.Colour.Green], colours);
    }

    [Fact]
    public void ToProto_UnknownDeploymentKind_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapper.ToProto(Record with { Kind = (DeploymentKind)99 }));

    [Fact]
    public void ToProto_UnknownOutcome_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapper.ToProto(Record with { Outcome = (DeploymentOutcome)99 }));

    [Fact]
    public void ToProto_UnknownStep_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapper.ToProto(Record with { Step = (DeploymentStep)99 }));

    [Fact]
    public void ToProto_UnknownColour_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtoMapper.ToProto(Record with { Target = (Colour)99 }));

    [Fact]
    public void ToProto_CountsUnknown_LeftUnset()
    {
        var unknown = ProtoMapper.ToProto(Record with { Proxies = [new ProxyProgress { ProxyId = "p1", RestartedAt = At }] }).Proxies[0];

        Assert.False(unknown.HasSessionsLeft);
        Assert.False(unknown.HasOldWorkerSessions);
        Assert.False(unknown.HasSessionsLost);
    }

    [Fact]
    public void ToProto_CountsZero_SetToZero()
    {
        var zero = ProtoMapper.ToProto(Record with { Proxies = [new ProxyProgress { ProxyId = "p1", SessionsLeft = 0, OldWorkerSessions = 0, RestartedAt = At, SessionsLost = 0 }] }).Proxies[0];

        Assert.True(zero.HasSessionsLeft);
        Assert.Equal(0, zero.SessionsLeft);
        Assert.True(zero.HasOldWorkerSessions);
        Assert.Equal(0, zero.OldWorkerSessions);
        Assert.True(zero.HasSessionsLost);
        Assert.Equal(0, zero.SessionsLost);
    }

    [Fact]
    public void ToProto_SessionsLostWithoutRestart_Unset()
    {
        var progress = ProtoMapper.ToProto(Record with { Proxies = [new ProxyProgress { ProxyId = "p1", SessionsLost = 3 }] }).Proxies[0];

        Assert.False(progress.HasSessionsLost);
    }

    [Fact]
    public void ToProto_ServiceKeptWarm_WarmUntilPerColour()
    {
        var info = new ServiceInfo
        {
            Spec = new ServiceSpec { Name = "web", RouteKey = "web.local" },
            LiveColour = Colour.Green,
            WarmUntil = ImmutableDictionary<Colour, DateTimeOffset>.Empty.Add(Colour.Blue, At),
        };

        var service = ProtoMapper.ToProto(info);

        Assert.Equal(At, Assert.Single(service.WarmUntil, w => w.Key == "blue").Value.ToDateTimeOffset());
        Assert.DoesNotContain("green", service.WarmUntil.Keys);
    }
}
