using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Proxies;
using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

public sealed class DeploymentEngineTests
{
    private static readonly ResolvedOptions Options = new(
        HealthTimeout: TimeSpan.FromSeconds(10), DrainTimeout: TimeSpan.FromSeconds(5), KeepWarm: TimeSpan.Zero,
        VerifyWindow: TimeSpan.Zero, MaxErrorRatio: 0.01, StopTimeout: TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly DateTimeOffset _start;
    private readonly FakeDeploymentEnvironment _env;
    private readonly DeploymentEngine _engine;

    public DeploymentEngineTests()
    {
        _start = _time.GetUtcNow();
        _env = new FakeDeploymentEnvironment(_time, "p1", "p2", "p3");
        foreach (var p in _env.Proxies)
        {
            _env.Routes[p] = Colour.Blue;
        }

        _engine = new DeploymentEngine(_env, _time);
    }

    private DeploymentRecord Release(ResolvedOptions? options = null) =>
        _engine.Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, options ?? Options);

    /// <summary>Advances until the deployment ends, moving time by one poll interval whenever a step waits.</summary>
    private async Task<DeploymentRecord> RunAsync(DeploymentRecord d, int maxRounds = 1000)
    {
        for (var i = 0; i < maxRounds && !d.IsFinished; i++)
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
    public async Task Release_HealthyFleet_SwitchesDrainsRetiresOld()
    {
        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(["provision green 2", "recheck green", "switch green p1,p2,p3", "retire blue"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Green, c));
        Assert.Equal(Colour.Blue, d.RetireColour);
        Assert.True(d.Retired);
        Assert.Equal(TimeSpan.FromMilliseconds(2), d.SwitchSkew);
        Assert.All(d.Proxies, p => Assert.NotNull(p.SwitchedAt));
        Assert.Null(d.Error);
    }

    [Fact]
    public async Task Switch_ProxiesSaveAfterConfirming_DurationToTheLastConfirmationAndSavedDurationToTheLastSave()
    {
        _env.SaveTime = TimeSpan.FromMilliseconds(40);

        var d = await RunAsync(Release());

        // Traffic had moved when the third proxy confirmed (1 ms each); the saves took 40 ms more.
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(TimeSpan.FromMilliseconds(3), d.SwitchDuration);
        Assert.Equal(TimeSpan.FromMilliseconds(43), d.SwitchSavedDuration);
        Assert.Equal(TimeSpan.FromMilliseconds(2), d.SwitchSkew);
    }

    [Fact]
    public async Task AwaitHealthy_OneProxyNotUpYet_WaitsThenSwitchesWhenUp()
    {
        var upAt = _time.GetUtcNow() + TimeSpan.FromSeconds(2);
        _env.Up = (p, _) => p != "p3" || _time.GetUtcNow() >= upAt;

        var d = Release();
        d = await _engine.AdvanceAsync(d);
        d = await _engine.AdvanceAsync(d);

        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);
        Assert.False(d.Proxies.Single(p => p.ProxyId == "p3").Healthy);
        Assert.True(d.Proxies.Single(p => p.ProxyId == "p1").Healthy);
        Assert.DoesNotContain(_env.Calls, c => c.StartsWith("switch", StringComparison.Ordinal));

        d = await RunAsync(d);
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(d.Events.Single(e => e.Message.StartsWith("web_green is UP on every proxy", StringComparison.Ordinal)).At >= upAt);
    }

    [Fact]
    public async Task AwaitHealthy_DeadlinePasses_RollsBackWithoutSwitching()
    {
        _env.Up = (p, c) => c != Colour.Green || p != "p2";

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Contains("p2", d.Error, StringComparison.Ordinal);
        Assert.Equal(["provision green 2", "recheck green", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        Assert.True(d.FinishedAt - d.CreatedAt >= Options.HealthTimeout);
    }

    [Fact]
    public async Task AwaitHealthy_TargetInstanceExited_RollsBackAtOnceSayingWhy()
    {
        _env.Up = (_, c) => c != Colour.Green;
        _env.Exited[Colour.Green] = [new InstanceExit("web-green-s1", 127, ["starting", "/bin/sh: 1: exec: /opt/web: not found"])];

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Equal("web-green-s1 exited with code 127 before it was healthy: /bin/sh: 1: exec: /opt/web: not found", d.Error);
        Assert.Contains(d.Events, e => e.Message == "web-green-s1 exited with code 127: starting ⏎ /bin/sh: 1: exec: /opt/web: not found");
        Assert.True(d.FinishedAt - d.CreatedAt < TimeSpan.FromSeconds(1), "it waited for the health deadline");
        Assert.Equal(["provision green 2", "recheck green", "retire green"], _env.Calls);
    }

    [Fact]
    public async Task AwaitHealthy_UnreachableProxy_IsNotHealthy()
    {
        _env.Unreachable.Add("p1");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Contains("unreachable", d.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_env.Calls, c => c.StartsWith("switch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Switch_OneProxyFails_RevertsTheOthersAndFails()
    {
        _env.SwitchFails.Add("p2");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.NotEqual(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains("p2", d.Error, StringComparison.Ordinal);
        Assert.Equal(["provision green 2", "recheck green", "switch green p1,p2,p3", "switch blue p1,p2,p3", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Switch_OutcomeUnknownOnAProxy_EveryProxyRevertedBeforeTheTargetIsRetired()
    {
        // p2's set map took effect, but its answer was lost: it routes to green while the engine sees a failure.
        _env.SwitchUnknown.Add("p2");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("retire green", _env.Calls);
        Assert.All(_env.Proxies, p => Assert.Equal(Colour.Blue, _env.Routes[p]));
    }

    [Fact]
    public async Task Switch_OutcomeUnknownAndTheProxyCannotBeReverted_TargetKeptRunning()
    {
        _env.SwitchUnknown.Add("p2");
        _env.RevertFails.Add("p2");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("could not switch back p2", d.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("retire green", _env.Calls);
        Assert.False(d.Retired);
    }

    [Fact]
    public async Task Switch_RevertFailsToo_FailsAndKeepsTargetRunning()
    {
        _env.SwitchFails.Add("p3");
        _env.RevertFails.Add("p1");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("could not switch back p1", d.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("retire green", _env.Calls);
        Assert.False(d.Retired);
    }

    [Fact]
    public async Task Drain_SessionsLeft_WaitsUntilZero()
    {
        var zeroAt = _time.GetUtcNow() + TimeSpan.FromSeconds(1);
        _env.Sessions = (p, c) => c == Colour.Blue && _time.GetUtcNow() < zeroAt ? 3 : 0;

        var d = Release();
        for (var i = 0; i < 4; i++)
        {
            d = await _engine.AdvanceAsync(d);
        }

        Assert.Equal(DeploymentStep.Drain, d.Step);
        Assert.All(d.Proxies, p => Assert.Equal(3, p.SessionsLeft));
        Assert.DoesNotContain("retire blue", _env.Calls);

        d = await RunAsync(d);
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains("drained on every proxy", string.Join("\n", d.Events.Select(e => e.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_DeadlinePasses_RetiresAnywayAndSaysSo()
    {
        _env.Sessions = (_, c) => c == Colour.Blue ? 1 : 0;

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains(d.Events, e => e.Message.Contains("drain deadline passed with 3 sessions left", StringComparison.Ordinal));
        Assert.Contains("retire blue", _env.Calls);
    }

    [Fact]
    public async Task Drain_TargetGoesDownOnAProxy_SwitchesBackInsteadOfRetiringTheOnlyWorkingColour()
    {
        var diesAt = _time.GetUtcNow() + TimeSpan.FromSeconds(1);
        _env.Sessions = (_, c) => c == Colour.Blue ? 2 : 0;
        _env.Up = (p, c) => c == Colour.Blue || p != "p2" || _time.GetUtcNow() < diesAt;

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("went down on p2", d.Error, StringComparison.Ordinal);
        Assert.Equal(["provision green 2", "recheck green", "switch green p1,p2,p3", "switch blue p1,p2,p3", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Drain_TargetOneCheckFromDownOnAProxy_StillServesSoTheDrainGoesOn()
    {
        // "UP 1/2": one failed check, fall 2 — HAProxy still sends traffic there; the next check passes.
        _env.Sessions = (_, c) => c == Colour.Blue && _time.GetUtcNow() < _start + TimeSpan.FromSeconds(3) ? 1 : 0;
        var recovered = _start + TimeSpan.FromSeconds(6);
        _env.Status = (p, c) => c == Colour.Green && p == "p2" && _time.GetUtcNow() > _start + TimeSpan.FromSeconds(1) && _time.GetUtcNow() < recovered ? "UP 1/2" : "UP";

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Green, c));
        Assert.Contains("retire blue", _env.Calls);
        // Drained at 3 s, but blue is stopped only once green is fully UP again: "UP 1/2" is not a confirmation.
        Assert.True(d.Events.Single(e => e.Message == "blue instances stopped").At >= recovered);
    }

    [Fact]
    public async Task Drain_TargetDownOnAProxyThatJustRestarted_WaitsForItsChecksToSettle()
    {
        // p2's haproxy restarted during the drain: its first check of green failed, which HAProxy's start state turns
        // into DOWN at once; two checks later green is UP again there.
        var restarted = _start + TimeSpan.FromSeconds(1);
        _env.Sessions = (_, c) => c == Colour.Blue && _time.GetUtcNow() < _start + TimeSpan.FromSeconds(4) ? 1 : 0;
        _env.WorkerUptime = p => p == "p2" && _time.GetUtcNow() >= restarted ? _time.GetUtcNow() - restarted : TimeSpan.FromHours(1);
        _env.Up = (p, c) => c == Colour.Blue || p != "p2" || _time.GetUtcNow() < restarted || _time.GetUtcNow() > restarted + TimeSpan.FromSeconds(2);

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Green, c));
    }

    [Fact]
    public async Task Drain_TargetStaysDownOnAProxyThatRestarted_SwitchesBackOnceItsChecksSettled()
    {
        var restarted = _start + TimeSpan.FromSeconds(1);
        _env.Sessions = (_, c) => c == Colour.Blue ? 1 : 0;
        _env.WorkerUptime = p => p == "p2" && _time.GetUtcNow() >= restarted ? _time.GetUtcNow() - restarted : TimeSpan.FromHours(1);
        _env.Up = (p, c) => c == Colour.Blue || p != "p2" || _time.GetUtcNow() < restarted;

        var d = await RunAsync(Release(Options with { DrainTimeout = TimeSpan.FromSeconds(30) }));

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("went down on p2", d.Error, StringComparison.Ordinal);
        var reverted = d.Events.First(e => e.Step == DeploymentStep.Revert).At;
        Assert.InRange(reverted - restarted, DeploymentEngine.ChecksSettle, DeploymentEngine.ChecksSettle + TimeSpan.FromSeconds(2));
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Verify_ErrorRateOverLimit_SwitchesBackAndRollsBack()
    {
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3) };
        var start = _time.GetUtcNow();
        _env.Counters = _ => _time.GetUtcNow() - start > TimeSpan.FromSeconds(1) ? (50, 100) : (0, 0);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Contains("5xx", d.Error, StringComparison.Ordinal);
        Assert.Equal(["provision green 2", "recheck green", "switch green p1,p2,p3", "switch blue p1,p2,p3", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Verify_HaProxysOwn503sOnTheBackendRowOnly_RollsBack()
    {
        // Green's server was DOWN on p2 for a moment: HAProxy answered 503 itself, counted on the backend's row and on
        // no server's (whose rows still say 1,000 good responses).
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3) };
        var start = _time.GetUtcNow();
        _env.Counters = _ => (0, 1000);
        _env.Totals = p => new BackendTotals(p == "p2" && _time.GetUtcNow() - start > TimeSpan.FromSeconds(1) ? 40 : 0, p == "p2" && _time.GetUtcNow() - start > TimeSpan.FromSeconds(1) ? 1040 : 1000, 0, 0);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.StartsWith("40 of 40 responses were 5xx on p2", d.Error, StringComparison.Ordinal);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Verify_ErrorRateUnderLimit_ProceedsToDrain()
    {
        _env.Counters = _ => (0, 1000);

        var d = await RunAsync(Release(Options with { VerifyWindow = TimeSpan.FromSeconds(1) }));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains(d.Events, e => e.Message.StartsWith("verified", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeepWarm_Success_DoesNotRetireOldColour()
    {
        var d = await RunAsync(Release(Options with { KeepWarm = TimeSpan.FromMinutes(5) }));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.False(d.Retired);
        Assert.DoesNotContain(_env.Calls, c => c.StartsWith("retire", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Abort_BeforeSwitch_RetiresTargetLiveUntouched()
    {
        _env.Up = (_, c) => c != Colour.Green;
        var d = await _engine.AdvanceAsync(Release());
        d = await _engine.AdvanceAsync(d);

        d = await RunAsync(d with { AbortRequested = true });

        Assert.Equal(DeploymentOutcome.Aborted, d.Outcome);
        Assert.Equal(["provision green 2", "recheck green", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Abort_DuringDrain_SwitchesBackAndRetiresTarget()
    {
        _env.Sessions = (_, c) => c == Colour.Blue ? 5 : 0;
        var d = Release();
        while (d.Step != DeploymentStep.Drain)
        {
            d = await _engine.AdvanceAsync(d);
        }

        d = await RunAsync(d with { AbortRequested = true });

        Assert.Equal(DeploymentOutcome.Aborted, d.Outcome);
        Assert.Equal(["provision green 2", "recheck green", "switch green p1,p2,p3", "switch blue p1,p2,p3", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Provision_Throws_FailsAndRetiresTarget()
    {
        _env.ProvisionError = new InvalidOperationException("image not found");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("image not found", d.Error, StringComparison.Ordinal);
        Assert.Equal(["provision green 2", "retire green"], _env.Calls);
    }

    [Fact]
    public async Task WarmRollback_NoProvision_StillRechecksHealth()
    {
        var d = _engine.Create(2, "web", DeploymentKind.Rollback, Colour.Blue, Colour.Green, "1", provisionTarget: false, Options);

        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(["recheck green", "switch green p1,p2,p3", "retire blue"], _env.Calls);
    }

    [Fact]
    public async Task Resume_AtSwitchStep_SwitchIsRedoneIdempotently()
    {
        var d = Release();
        d = await _engine.AdvanceAsync(d);
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Switch, d.Step);
        // A crash after p1 switched but before the step was recorded: the persisted record still says Switch.
        _env.Routes["p1"] = Colour.Green;

        var resumed = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.Succeeded, resumed.Outcome);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Green, c));
    }

    [Fact]
    public async Task Deadlines_AreAbsolute_AndSurviveAResume()
    {
        _env.Up = (_, c) => c != Colour.Green;
        var d = await _engine.AdvanceAsync(Release());
        var deadline = d.StepDeadline;

        _time.Advance(TimeSpan.FromSeconds(9));
        var resumed = await _engine.AdvanceAsync(d);

        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(9) + Options.HealthTimeout, deadline);
        Assert.Equal(DeploymentStep.AwaitHealthy, resumed.Step);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DeploymentStep.Retire, (await _engine.AdvanceAsync(resumed)).Step);
    }

    [Fact]
    public async Task Events_AreNumberedInOrder()
    {
        var d = await RunAsync(Release());

        Assert.Equal(Enumerable.Range(1, d.Events.Count), d.Events.Select(e => e.Sequence));
        Assert.True(d.Events.Zip(d.Events.Skip(1)).All(p => p.First.At <= p.Second.At));
    }

    [Fact]
    public async Task Retire_TargetDiesOnFirstTrafficAfterTheSwitch_SwitchesBackAndKeepsTheOldColour()
    {
        // Green passes its checks until it takes real traffic, then HAProxy sees it DOWN one check interval later; blue's
        // sessions are gone at the first drain read.
        DateTimeOffset? switched = null;
        _env.Up = (p, c) => c != Colour.Green || switched is null || _time.GetUtcNow() < switched + TimeSpan.FromSeconds(1);
        _env.Sessions = (_, _) => 0;

        var d = Release();
        while (!d.IsFinished)
        {
            var next = await _engine.AdvanceAsync(d);
            if (switched is null && next.Proxies.All(p => p.SwitchedAt is not null))
            {
                switched = _time.GetUtcNow();
            }

            if (next.Step == d.Step && !next.IsFinished)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }

            d = next;
        }

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("green went down on p1 after the switch", d.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("retire blue", _env.Calls);
        Assert.Equal("retire green", _env.Calls[^1]);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Retire_HealthyTarget_OldColourStoppedOnlyAfterTheConfirmWindow()
    {
        var d = await RunAsync(Release());

        var switchedAt = d.Proxies.Max(p => p.SwitchedAt)!.Value;
        var stopped = d.Events.Single(e => e.Message == "blue instances stopped").At;
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(stopped - switchedAt >= DeploymentEngine.DefaultConfirmWindow, $"blue stopped {stopped - switchedAt} after the switch");
        Assert.True(stopped - switchedAt < DeploymentEngine.DefaultConfirmWindow + TimeSpan.FromMilliseconds(300), $"blue stopped {stopped - switchedAt} after the switch");
    }

    [Fact]
    public async Task Retire_TargetNeverConfirmedOnAProxyWhoseWorkerIsYoung_SwitchesBackAtTheDeadline()
    {
        // p2 reloaded after the switch: its fresh worker sees green DOWN, not believed alone (checks settle) — but not UP
        // either, so blue is not stopped on its word.
        _env.WorkerUptime = p => p == "p2" ? TimeSpan.FromSeconds(1) : null;
        _env.Up = (p, c) => c != Colour.Green || p != "p2" || !_env.Calls.Contains("switch green p1,p2,p3");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("green not confirmed UP after the switch on: p2", d.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("retire blue", _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Switch_ResumedWhenTargetIsNoLongerUp_WaitsForHealthAgainInsteadOfSwitching()
    {
        var d = Release();
        while (d.Step != DeploymentStep.Switch)
        {
            d = await _engine.AdvanceAsync(d);
        }

        // The server stopped here; by the time it resumes, green died on p3.
        _env.Up = (p, c) => c != Colour.Green || p != "p3";
        _time.Advance(TimeSpan.FromMinutes(30));
        d = await _engine.AdvanceAsync(d);

        Assert.Equal(DeploymentStep.AwaitHealthy, d.Step);
        Assert.DoesNotContain(_env.Calls, c => c.StartsWith("switch", StringComparison.Ordinal));
        Assert.Contains(d.Events, e => e.Message.StartsWith("web_green is no longer UP on every proxy (p3", StringComparison.Ordinal));
        d = await RunAsync(d);
        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Abort_WhileConfirmingBeforeRetire_SwitchesBack()
    {
        var d = Release();
        while (d.Step != DeploymentStep.Retire)
        {
            d = await _engine.AdvanceAsync(d);
        }

        d = await _engine.AdvanceAsync(d with { AbortRequested = true });
        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.Aborted, d.Outcome);
        Assert.DoesNotContain("retire blue", _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Verify_ReloadResetsAProxysCountersThenItServesOnly5xx_RollsBack()
    {
        // p1 had served 1,000 good responses when the window opened; a reload restarts its counters, and the new worker
        // answers 50 of 50 with 5xx. Summed naively its delta is 50 5xx of -950 responses, which hides every 5xx.
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3) };
        var start = _time.GetUtcNow();
        var reloaded = false;
        _env.Counters = p => p == "p1" ? (reloaded ? (50, 50) : (0, 1000)) : (0, _time.GetUtcNow() - start > TimeSpan.FromSeconds(1) ? 200 : 100);
        _env.WorkerUptime = p => p == "p1" && reloaded ? TimeSpan.Zero : TimeSpan.FromHours(1);

        var d = Release(window);
        while (d.Step != DeploymentStep.Verify)
        {
            d = await _engine.AdvanceAsync(d);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        reloaded = true;
        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Contains("50 of 50 responses were 5xx on p1", d.Error, StringComparison.Ordinal);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Verify_ProxyUnreachableWhenTheWindowOpened_ItsLifetimeCountersDoNotRollBackAGoodRelease()
    {
        // p3's HAProxy has served 100,000 responses over its life, 5,000 of them 5xx (5 %, over the 1 % limit), all
        // before this release; it is unreachable when the window opens, back a moment later, and serves no new 5xx.
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(2) };
        _env.Counters = p => p == "p3" ? (5000, 100_000) : (0, 100);

        // Only the first read after the switch (the baseline's) misses p3.
        var missed = false;
        _env.ReadUnreachable = p => p == "p3" && _env.Routes[p] == Colour.Green && !missed && (missed = true);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains(d.Events, e => e.ProxyId == "p3" && e.Message.StartsWith("verify baseline taken now", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_OneProxyServesOnly5xxWhileTheFleetRatioIsUnderTheLimit_RollsBack()
    {
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3) };
        var start = _time.GetUtcNow();
        _env.Counters = p => _time.GetUtcNow() - start > TimeSpan.FromSeconds(1)
            ? (p == "p1" ? (10, 10) : (0, 10_000))
            : (0, 0);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Contains("10 of 10 responses were 5xx on p1", d.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OneProxySlowerThanTheLimit_RollsBackNamingResponseTimeAndProxy()
    {
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3), MaxResponseTime = TimeSpan.FromMilliseconds(200) };
        var start = _time.GetUtcNow();
        var after = () => _time.GetUtcNow() - start > TimeSpan.FromSeconds(1);
        _env.Counters = _ => (0, after() ? 900 : 0);
        _env.Quality = p => (0, p == "p2" && after() ? 450 : 20);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Equal("response time 450 ms over 900 responses on p2 (limit 200 ms; HAProxy's rtime of web_green)", d.Error);
        Assert.Contains(d.Events, e => e.Message == "response time over the limit on p2: switching back to blue");
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        var p2 = Assert.Single(d.Analysis, f => f.ProxyId == "p2");
        Assert.Equal((900, 0, 0, 450.0, 451.0), (p2.Responses, p2.Http5xx, p2.ServerErrors, p2.ResponseTimeMs, p2.TotalTimeMs));
        var fleet = Assert.Single(d.Analysis, f => f.ProxyId is null);
        Assert.Equal(2700, fleet.Responses);
        Assert.Equal((450 + 20 + 20) / 3.0, fleet.ResponseTimeMs!.Value, 3);
    }

    [Fact]
    public async Task Verify_ResponseTimeLimitButTooFewResponses_NotJudged()
    {
        // Three responses per proxy, nine over the fleet: an average of so few is noise, not a verdict.
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(2), MaxResponseTime = TimeSpan.FromMilliseconds(200) };
        var start = _time.GetUtcNow();
        _env.Counters = _ => (0, _time.GetUtcNow() - start > TimeSpan.FromSeconds(1) ? 3 : 0);
        _env.Quality = _ => (0, 900);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains(d.Events, e => e.Message.StartsWith("verified: 0 5xx in 9 responses, 0 server errors, response time 900 ms", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(100, 1000, false)] // 900 new responses, 100 old ones still in HAProxy's average of the last 1,024
    [InlineData(100, 1124, true)] // 1,024 new ones: the average holds only this release
    public async Task Verify_ColourThatServedBefore_ResponseTimeJudgedOnlyOnceTheAverageHoldsNoOldResponse(int before, int after, bool judged)
    {
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3), MaxResponseTime = TimeSpan.FromMilliseconds(200) };
        var start = _time.GetUtcNow();
        _env.Counters = _ => (0, _time.GetUtcNow() - start > TimeSpan.FromSeconds(1) ? after : before);
        _env.Quality = _ => (0, 450);

        var d = await RunAsync(Release(window));

        Assert.Equal(judged ? DeploymentOutcome.RolledBack : DeploymentOutcome.Succeeded, d.Outcome);
        Assert.All(d.Analysis, f => Assert.Equal(judged ? 450.0 : null, f.ResponseTimeMs));
    }

    [Fact]
    public async Task Verify_ConnectionErrorsOverTheLimit_RollsBackNamingThem()
    {
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3) };
        var start = _time.GetUtcNow();
        var after = () => _time.GetUtcNow() - start > TimeSpan.FromSeconds(1);
        _env.Counters = _ => (0, after() ? 1000 : 0);
        _env.Quality = p => (p == "p3" && after() ? 40 : 0, 10);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Equal("40 of 1040 requests to web_green were connection or response errors on p3 (limit 1.0 %)", d.Error);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Verify_GoodRelease_RecordKeepsEveryProxysFiguresAndTheFleets()
    {
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(2), MaxResponseTime = TimeSpan.FromMilliseconds(200) };
        var start = _time.GetUtcNow();
        _env.Counters = _ => (0, _time.GetUtcNow() - start > TimeSpan.FromSeconds(1) ? 500 : 0);
        _env.Quality = _ => (0, 30);

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal([null, "p1", "p2", "p3"], d.Analysis.Select(f => f.ProxyId).Order(StringComparer.Ordinal));
        Assert.All(d.Analysis.Where(f => f.ProxyId is not null), f => Assert.Equal((500, 30.0), (f.Responses, f.ResponseTimeMs)));
        Assert.Contains(d.Events, e => e.Message.StartsWith("verified: 0 5xx in 1500 responses, 0 server errors, response time 30 ms", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Abort_AcceptedWhileTheConfirmingStepRan_LandsOnItsResultAndStillSwitchesBack()
    {
        // The grain accepts an abort while the record it holds is confirming, and merges it into whatever that step
        // returns: the confirmed record must not have stopped blue already.
        var d = Release();
        while (d.Step != DeploymentStep.Retire)
        {
            d = await _engine.AdvanceAsync(d);
        }

        Assert.True(DeploymentEngine.CanAbort(d));
        _time.Advance(DeploymentEngine.DefaultConfirmWindow);
        var confirmed = await _engine.AdvanceAsync(d);
        Assert.DoesNotContain("retire blue", _env.Calls);
        Assert.False(DeploymentEngine.CanAbort(confirmed), "an abort arriving now would come too late: the grain refuses it");

        var end = await RunAsync(confirmed with { AbortRequested = true });

        Assert.Equal(DeploymentOutcome.Aborted, end.Outcome);
        Assert.DoesNotContain("retire blue", _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }
}
