using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

/// <summary>
/// Deadlines and durations against a wall clock that steps while real time does not: the engine judges them on the
/// monotonic clock, and takes the persisted (wall-clock) deadline's word only for a step it resumes (a new activation).
/// </summary>
public sealed class WallClockJumpTests
{
    private static readonly ResolvedOptions Options = new(
        HealthTimeout: TimeSpan.FromSeconds(10), DrainTimeout: TimeSpan.FromSeconds(5), KeepWarm: TimeSpan.Zero,
        VerifyWindow: TimeSpan.Zero, MaxErrorRatio: 0.01, StopTimeout: TimeSpan.FromSeconds(5));

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly JumpingWallClock _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeDeploymentEnvironment _env;
    private readonly DeploymentEngine _engine;

    public WallClockJumpTests()
    {
        _env = new FakeDeploymentEnvironment(_time, "p1", "p2", "p3");
        foreach (var p in _env.Proxies)
        {
            _env.Routes[p] = Colour.Blue;
        }

        _engine = new DeploymentEngine(_env, _time);
    }

    [Fact]
    public async Task AwaitHealthy_WallClockJumpsForward_TimesOutOnlyAfterItsRealBudget()
    {
        var d = await AwaitingHealthAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Jump(Hour);

        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);

        _time.Advance(TimeSpan.FromMilliseconds(8900));
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        d = await _engine.AdvanceAsync(d);
        AssertHealthDeadline(d);

        d = await _engine.AdvanceAsync(d);
        Assert.StartsWith("RolledBack in 10 s", d.Events[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwaitHealthy_WallClockJumpsBack_StillTimesOutOnTime()
    {
        var d = await AwaitingHealthAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Jump(-Hour);

        _time.Advance(TimeSpan.FromMilliseconds(8900));
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        d = await _engine.AdvanceAsync(d);
        AssertHealthDeadline(d);
    }

    [Fact]
    public async Task AwaitHealthy_ResumedByANewEngineAfterItsDeadline_TimesOutAtOnce()
    {
        var d = await AwaitingHealthAsync();
        // The silo was gone for 11 s: the new activation's monotonic clock knows nothing of them, the record does.
        _time.Advance(TimeSpan.FromSeconds(11));

        d = await new DeploymentEngine(_env, _time).AdvanceAsync(d);

        AssertHealthDeadline(d);
    }

    [Fact]
    public async Task AwaitHealthy_ResumedWithTimeLeftThenWallClockJumps_TimesOutWhenWhatWasLeftRunsOut()
    {
        var d = await AwaitingHealthAsync();
        _time.Advance(TimeSpan.FromSeconds(7));
        var resumed = new DeploymentEngine(_env, _time);
        d = await resumed.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);

        _time.Jump(Hour);
        d = await resumed.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);

        _time.Advance(TimeSpan.FromMilliseconds(2900));
        d = await resumed.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        d = await resumed.AdvanceAsync(d);
        AssertHealthDeadline(d);
    }

    [Fact]
    public async Task AwaitHealthy_ResumedAfterTheWallClockWentBack_WaitsNoLongerThanItsBudget()
    {
        var d = await AwaitingHealthAsync();
        // Set back an hour while the silo was down: the persisted deadline now lies an hour and 10 s ahead.
        _time.Jump(-Hour);
        var resumed = new DeploymentEngine(_env, _time);
        d = await resumed.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);

        _time.Advance(TimeSpan.FromSeconds(10));
        d = await resumed.AdvanceAsync(d);
        AssertHealthDeadline(d);
    }

    [Fact]
    public async Task Drain_WallClockJumpsForward_KeepsDrainingUntilItsRealDeadline()
    {
        _env.Sessions = (_, c) => c == Colour.Blue ? 3 : 0;
        var d = await AdvanceToAsync(Release(), DeploymentStep.Drain);
        _time.Jump(Hour);

        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Drain, d.Step);

        _time.Advance(TimeSpan.FromMilliseconds(4900));
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Drain, d.Step);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Retire, d.Step);
        Assert.Contains(d.Events, e => e.Message.StartsWith("drain deadline passed with 9 sessions left", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retire_WallClockJumpsForwardAfterTheSwitch_StopsTheOldColourOnlyAfterTheRealConfirmWindow()
    {
        var d = await AdvanceToAsync(Release(), DeploymentStep.Retire);
        Assert.NotNull(d.StepDeadline);
        _time.Jump(Hour);

        d = await _engine.AdvanceAsync(d);
        d = await _engine.AdvanceAsync(d);
        Assert.NotNull(d.StepDeadline);
        Assert.DoesNotContain("retire blue", _env.Calls);

        _time.Advance(DeploymentEngine.DefaultConfirmWindow - TimeSpan.FromMilliseconds(100));
        d = await _engine.AdvanceAsync(d);
        Assert.NotNull(d.StepDeadline);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        d = await _engine.AdvanceAsync(d);
        Assert.Null(d.StepDeadline);
        Assert.Equal("green UP on every reachable proxy 2 s after the switch", d.Events[^1].Message);
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains("retire blue", _env.Calls);
    }

    private DeploymentRecord Release() =>
        _engine.Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options);

    /// <summary>A release whose target never turns UP, at its first turn of <see cref="DeploymentStep.AwaitHealthy"/>.</summary>
    private async Task<DeploymentRecord> AwaitingHealthAsync()
    {
        _env.Up = (_, c) => c != Colour.Green;
        var d = await AdvanceToAsync(Release(), DeploymentStep.AwaitHealthy);
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);
        return d;
    }

    /// <summary>Advances without moving time until the deployment reaches <paramref name="step"/>.</summary>
    private async Task<DeploymentRecord> AdvanceToAsync(DeploymentRecord d, DeploymentStep step)
    {
        for (var i = 0; i < 10 && d.Step != step; i++)
        {
            d = await _engine.AdvanceAsync(d);
        }

        Assert.Equal(step, d.Step);
        return d;
    }

    private static void AssertHealthDeadline(DeploymentRecord d)
    {
        Assert.Equal(DeploymentStep.Retire, d.Step);
        Assert.Equal(DeploymentOutcome.RolledBack, d.PendingOutcome);
        Assert.StartsWith("green not healthy within 10 s", d.Error, StringComparison.Ordinal);
    }
}
