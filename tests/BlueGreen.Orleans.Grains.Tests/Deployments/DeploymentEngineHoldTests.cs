using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

/// <summary>release --hold through the engine: Held after AwaitHealthy, the preview set there and removed at the switch or the retire.</summary>
public sealed class DeploymentEngineHoldTests
{
    private static readonly ResolvedOptions Options = new(
        HealthTimeout: TimeSpan.FromSeconds(10), DrainTimeout: TimeSpan.FromSeconds(5), KeepWarm: TimeSpan.Zero,
        VerifyWindow: TimeSpan.Zero, MaxErrorRatio: 0.01, StopTimeout: TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
    private readonly FakeDeploymentEnvironment _env;
    private readonly DeploymentEngine _engine;

    public DeploymentEngineHoldTests()
    {
        _env = new FakeDeploymentEnvironment(_time, "p1", "p2", "p3");
        foreach (var p in _env.Proxies)
        {
            _env.Routes[p] = Colour.Blue;
        }

        _engine = new DeploymentEngine(_env, _time);
    }

    /// <summary>A release as the service starts one with --hold (and --auto-approve-after when given).</summary>
    private DeploymentRecord Release(bool hold = true, TimeSpan? autoApproveAfter = null) =>
        _engine.Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options) with { Hold = hold, AutoApproveAfter = autoApproveAfter };

    /// <summary>Advances until the deployment ends or reaches <paramref name="step"/>, moving time by a poll interval whenever a step waits.</summary>
    private async Task<DeploymentRecord> RunAsync(DeploymentRecord d, DeploymentStep? step = null, int maxRounds = 1000)
    {
        for (var i = 0; i < maxRounds && !d.IsFinished && d.Step != step; i++)
        {
            var next = await _engine.AdvanceAsync(d);
            if (next.Step == d.Step && !next.IsFinished)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }

            d = next;
        }

        return d;
    }

    [Fact]
    public async Task AdvanceAsync_HoldAndHealthy_StopsInHeldWithPreviewAndLiveUntouched()
    {
        var d = await RunAsync(Release(), DeploymentStep.Held);
        d = await _engine.AdvanceAsync(d);

        Assert.Equal(DeploymentStep.Held, d.Step);
        Assert.Equal(DeploymentOutcome.Running, d.Outcome);
        Assert.True(d.PreviewSet);
        Assert.NotNull(d.HeldAt);
        Assert.Null(d.AutoApproveAt);
        Assert.Equal(["provision green 2", "recheck green", "preview green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        Assert.All(_env.Proxies, p => Assert.Equal(Colour.Green, _env.Previews[p]));
        Assert.Null(_engine.TimeToNextCheck(d));
    }

    [Fact]
    public async Task AdvanceAsync_HeldWithoutApproval_WaitsWithoutChangingTheRecord()
    {
        var d = await RunAsync(Release(), DeploymentStep.Held);
        d = await _engine.AdvanceAsync(d);
        _time.Advance(TimeSpan.FromHours(3));

        var again = await _engine.AdvanceAsync(d);

        Assert.Same(d, again);
        Assert.Single(_env.Calls, c => c == "preview green");
    }

    [Fact]
    public async Task AdvanceAsync_TargetNotUpYet_NotHeldAndNoPreviewUntilUpEverywhere()
    {
        var upAt = _time.GetUtcNow() + TimeSpan.FromSeconds(2);
        _env.Up = (p, _) => p != "p2" || _time.GetUtcNow() >= upAt;

        var d = Release();
        d = await _engine.AdvanceAsync(d);
        d = await _engine.AdvanceAsync(d);

        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);
        Assert.Empty(_env.Previews);
        d = await RunAsync(d, DeploymentStep.Held);
        Assert.True(_time.GetUtcNow() >= upAt);
    }

    [Fact]
    public async Task AdvanceAsync_Approved_SwitchesRemovesPreviewAndSucceeds()
    {
        var d = await RunAsync(Release(), DeploymentStep.Held);
        d = await _engine.AdvanceAsync(d);
        var approvedAt = _time.GetUtcNow();

        d = await RunAsync(d with { ApprovedBy = "alice", ApprovedAt = approvedAt });

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal("alice", d.ApprovedBy);
        Assert.Equal(approvedAt, d.ApprovedAt);
        Assert.False(d.PreviewSet);
        Assert.Empty(_env.Previews);
        Assert.Equal(["provision green 2", "recheck green", "preview green", "switch green p1,p2,p3", "preview off", "retire blue"], _env.Calls);
        Assert.Contains(d.Events, e => e.Step == DeploymentStep.Switch && e.Message.StartsWith("approved by alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdvanceAsync_AutoApproveTimePassed_ApprovedByAutoApprove()
    {
        var d = await RunAsync(Release(autoApproveAfter: TimeSpan.FromSeconds(30)), DeploymentStep.Held);
        Assert.Equal(d.HeldAt + TimeSpan.FromSeconds(30), d.AutoApproveAt);
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(TimeSpan.FromSeconds(30), _engine.TimeToNextCheck(d));

        _time.Advance(TimeSpan.FromSeconds(29));
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Held, d.Step);

        _time.Advance(TimeSpan.FromSeconds(1));
        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(DeploymentEngine.AutoApprover, d.ApprovedBy);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Green, c));
    }

    [Fact]
    public async Task AdvanceAsync_ResumedInHeldByANewEngine_KeepsTheAutoApproveDeadline()
    {
        var d = await RunAsync(Release(autoApproveAfter: TimeSpan.FromSeconds(30)), DeploymentStep.Held);
        d = await _engine.AdvanceAsync(d);
        _time.Advance(TimeSpan.FromSeconds(20));

        // A new process: a new engine and clock, only the record.
        var resumed = new DeploymentEngine(_env, _time);
        Assert.Equal(TimeSpan.FromSeconds(10), resumed.TimeToNextCheck(d));
        d = await resumed.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Held, d.Step);
        Assert.Single(_env.Calls, c => c == "preview green");

        _time.Advance(TimeSpan.FromSeconds(10));
        d = await resumed.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Switch, d.Step);
        Assert.Equal(DeploymentEngine.AutoApprover, d.ApprovedBy);
    }

    [Fact]
    public async Task AdvanceAsync_AbortedWhileHeld_RetiresTargetRemovesPreviewNothingSwitched()
    {
        var d = await RunAsync(Release(), DeploymentStep.Held);
        d = await _engine.AdvanceAsync(d);
        Assert.True(DeploymentEngine.CanAbort(d));

        d = await RunAsync(d with { AbortRequested = true, AbortRequestedBy = "bob" });

        Assert.Equal(DeploymentOutcome.Aborted, d.Outcome);
        Assert.Equal(["provision green 2", "recheck green", "preview green", "preview off", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        Assert.Empty(_env.Previews);
        Assert.Null(d.ApprovedBy);
    }

    [Fact]
    public async Task CanApprove_OnlyWhileHeldAndNotYetApprovedOrAborted()
    {
        var d = Release();
        Assert.False(DeploymentEngine.CanApprove(d));

        d = await RunAsync(d, DeploymentStep.Held);
        Assert.True(DeploymentEngine.CanApprove(d));
        Assert.False(DeploymentEngine.CanApprove(d with { AbortRequested = true }));
        Assert.False(DeploymentEngine.CanApprove(d with { ApprovedAt = _time.GetUtcNow(), ApprovedBy = "alice" }));
    }

    [Fact]
    public async Task AdvanceAsync_NoHold_NeverHeldNorPreviewed()
    {
        var d = await RunAsync(Release(hold: false));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.DoesNotContain(d.Events, e => e.Step == DeploymentStep.Held);
        Assert.DoesNotContain(_env.Calls, c => c.StartsWith("preview", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdvanceAsync_TargetDiesBeforeTheApprovedSwitch_WaitsAgainThenSwitchesWithoutHoldingTwice()
    {
        var d = await RunAsync(Release(), DeploymentStep.Held);
        d = await _engine.AdvanceAsync(d);
        var down = true;
        _env.Up = (p, _) => !(down && p == "p1");
        d = await _engine.AdvanceAsync(d with { ApprovedBy = "alice", ApprovedAt = _time.GetUtcNow() });
        Assert.Equal(DeploymentStep.Switch, d.Step);
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);
        Assert.True(d.PreviewSet);

        down = false;
        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Single(d.Events, e => e.Message.Contains("held for approval", StringComparison.Ordinal));
        Assert.Empty(_env.Previews);
    }
}
