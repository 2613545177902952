using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Tests.Services;

/// <summary>What a finished deployment makes of its service's state (<see cref="ServiceCompletion"/>), as pure transitions.</summary>
public sealed class ServiceCompletionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);

    private static readonly ServiceState Before = new()
    {
        LiveColour = Colour.Blue,
        Versions = ImmutableDictionary<Colour, string>.Empty.Add(Colour.Blue, "1"),
        Running = [Colour.Blue],
    };

    [Fact]
    public void Complete_ReleaseSucceededAndOldRetired_TargetLiveWithItsVersionAndOnlyItRuns()
    {
        var done = Record(DeploymentOutcome.Succeeded) with { Retired = true, RetireColour = Colour.Blue };

        var after = ServiceCompletion.Complete(Before with { Active = done }, done, Now, historyLimit: 50);

        Assert.Null(after.Active);
        Assert.Equal(Colour.Green, after.LiveColour);
        Assert.Equal("2", after.Versions[Colour.Green]);
        Assert.Equal([Colour.Green], after.Running);
        Assert.Empty(after.WarmUntil);
        Assert.Equal(done, after.History[0]);
    }

    [Fact]
    public void Complete_ReleaseSucceededKeepingTheOldWarm_OldColourWarmUntilNowPlusKeepWarm()
    {
        var done = Record(DeploymentOutcome.Succeeded) with { Options = Record(DeploymentOutcome.Succeeded).Options with { KeepWarm = TimeSpan.FromMinutes(5) } };

        var after = ServiceCompletion.Complete(Before, done, Now, historyLimit: 50);

        Assert.Equal(Now + TimeSpan.FromMinutes(5), after.WarmUntil[Colour.Blue]);
        Assert.Equal([Colour.Blue, Colour.Green], after.Running.OrderBy(c => c));
    }

    [Fact]
    public void Complete_RolledBackAndTargetRetired_LiveAndVersionsUnchanged()
    {
        var done = Record(DeploymentOutcome.RolledBack) with { Retired = true, RetireColour = Colour.Green };

        var after = ServiceCompletion.Complete(Before, done, Now, historyLimit: 50);

        Assert.Equal(Colour.Blue, after.LiveColour);
        Assert.False(after.Versions.ContainsKey(Colour.Green));
        Assert.Equal([Colour.Blue], after.Running);
    }

    [Fact]
    public void Complete_FailedAndTheTargetStillRuns_RecordSaysWhichVersionItRuns()
    {
        // A revert or the target's retirement failed: green keeps running version 2, and a rollback to it is "of" 2.
        var done = Record(DeploymentOutcome.Failed);

        var after = ServiceCompletion.Complete(Before, done, Now, historyLimit: 50);

        Assert.Equal(Colour.Blue, after.LiveColour);
        Assert.Equal("2", after.Versions[Colour.Green]);
        Assert.Contains(Colour.Green, after.Running);
    }

    [Fact]
    public void Complete_HistoryFull_OldestDropped()
    {
        var history = Enumerable.Range(1, 3).Select(i => Record(DeploymentOutcome.Succeeded) with { Id = i }).Reverse().ToImmutableList();
        var done = Record(DeploymentOutcome.Succeeded) with { Id = 4 };

        var after = ServiceCompletion.Complete(Before with { History = history }, done, Now, historyLimit: 3);

        Assert.Equal([4L, 3L, 2L], after.History.Select(d => d.Id));
    }

    private static DeploymentRecord Record(DeploymentOutcome outcome) => new()
    {
        Id = 1,
        Service = "web",
        Kind = DeploymentKind.Release,
        From = Colour.Blue,
        Target = Colour.Green,
        Version = "2",
        ProvisionTarget = true,
        Options = new ResolvedOptions(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.Zero, 0.01, TimeSpan.FromSeconds(10)),
        Step = DeploymentStep.Done,
        Outcome = outcome,
        RetireColour = Colour.Green,
    };
}
