using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Rules;
using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

/// <summary>The engine's transitions around the service's hooks: the before_switch veto, and notifications that never change the outcome.</summary>
public sealed class DeploymentEngineHookTests
{
    private const string Url = "http://127.0.0.1:9/hook";

    private static readonly ResolvedOptions Options = new(
        HealthTimeout: TimeSpan.FromSeconds(10), DrainTimeout: TimeSpan.FromSeconds(5), KeepWarm: TimeSpan.Zero,
        VerifyWindow: TimeSpan.Zero, MaxErrorRatio: 0.01, StopTimeout: TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeDeploymentEnvironment _env;
    private readonly DeploymentEngine _engine;

    public DeploymentEngineHookTests()
    {
        _env = new FakeDeploymentEnvironment(_time, "p1", "p2");
        foreach (var p in _env.Proxies)
        {
            _env.Routes[p] = Colour.Blue;
        }

        _engine = new DeploymentEngine(_env, _time, TimeSpan.Zero);
    }

    private static HookCall Answer(string hookEvent, int? status, string? error = null, int attempts = 1) =>
        new(hookEvent, Url, status, error, attempts, TimeSpan.FromMilliseconds(12));

    private DeploymentRecord Release() =>
        _engine.Create(7, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options) with { RequestedBy = "ci", FromVersion = "1" };

    private async Task<DeploymentRecord> RunAsync(DeploymentRecord d)
    {
        for (var i = 0; i < 1000 && !d.IsFinished; i++)
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
    public async Task Switch_BeforeSwitchHookAnswers500_NoSwitchTargetRetiredRolledBackNamingTheHook()
    {
        _env.Hooks[HookRules.BeforeSwitch] = _ => Answer(HookRules.BeforeSwitch, 500, attempts: 3);
        _env.Hooks[HookRules.OnFailure] = _ => Answer(HookRules.OnFailure, 200);

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Equal(["provision green 2", "recheck green", "hook before_switch", "retire green", "hook on_failure"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        Assert.Contains($"before_switch hook {Url} vetoed the switch: HTTP 500", d.Error, StringComparison.Ordinal);
        Assert.Contains(d.Events, e => e.Step == DeploymentStep.Switch && e.Message == $"hook before_switch {Url}: HTTP 500 after 3 attempts in 12 ms");

        // The failure hook hears the outcome, after the target was retired.
        var failure = _env.HookCalls.Single(c => c.Event == HookRules.OnFailure).Deployment;
        Assert.Equal(DeploymentOutcome.RolledBack, failure.Outcome);
        Assert.True(failure.Retired);
    }

    [Fact]
    public async Task Switch_BeforeSwitchHookTimesOut_Vetoes()
    {
        _env.Hooks[HookRules.BeforeSwitch] = _ => Answer(HookRules.BeforeSwitch, null, "no answer within 1 s", 3);

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.DoesNotContain(_env.Calls, c => c.StartsWith("switch", StringComparison.Ordinal));
        Assert.Contains("vetoed the switch: no answer within 1 s", d.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_EveryHookAnswers2xx_SwitchesAndNotifiesInOrderWithTheirSteps()
    {
        foreach (var hookEvent in HookRules.Events)
        {
            _env.Hooks[hookEvent] = _ => Answer(hookEvent, 204);
        }

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(
            ["provision green 2", "recheck green", "hook before_switch", "switch green p1,p2", "hook after_switch", "hook after_drain", "retire blue"],
            _env.Calls);
        Assert.Equal(
            [(HookRules.BeforeSwitch, DeploymentStep.Switch), (HookRules.AfterSwitch, DeploymentStep.Switch), (HookRules.AfterDrain, DeploymentStep.Drain)],
            _env.HookCalls.Select(c => (c.Event, c.Deployment.Step)));
        Assert.Equal(3, d.Events.Count(e => e.Message.StartsWith("hook ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Release_NotificationHooksFail_OutcomeUnchangedFailuresRecorded()
    {
        _env.Hooks[HookRules.AfterSwitch] = _ => Answer(HookRules.AfterSwitch, null, "Connection refused", 3);
        _env.Hooks[HookRules.AfterDrain] = _ => Answer(HookRules.AfterDrain, 500, attempts: 3);

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Null(d.Error);
        Assert.Contains(d.Events, e => e.Message == $"hook after_switch {Url}: Connection refused after 3 attempts in 12 ms");
        Assert.Contains(d.Events, e => e.Message == $"hook after_drain {Url}: HTTP 500 after 3 attempts in 12 ms");
    }

    [Fact]
    public async Task Switch_AbortAskedBeforeTheStep_NoHookNoForwardSwitchEveryProxyPutBackTargetRetired()
    {
        _env.Hooks[HookRules.BeforeSwitch] = _ => Answer(HookRules.BeforeSwitch, 200);
        var d = Release();
        d = await _engine.AdvanceAsync(d);
        d = await _engine.AdvanceAsync(d);
        Assert.Equal(DeploymentStep.Switch, d.Step);
        _env.Calls.Clear();

        d = await RunAsync(d with { AbortRequested = true });

        Assert.Equal(DeploymentOutcome.Aborted, d.Outcome);
        Assert.Equal(["switch blue p1,p2", "retire green"], _env.Calls);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
    }

    [Fact]
    public async Task Switch_ResumedAfterACrashDuringTheHookCall_CallsTheHookAgain()
    {
        _env.Hooks[HookRules.BeforeSwitch] = _ => Answer(HookRules.BeforeSwitch, 200);
        var d = Release();
        d = await _engine.AdvanceAsync(d);
        var atSwitch = await _engine.AdvanceAsync(d);

        // The step's result is lost (a crash before it was stored): the persisted record runs the step again.
        await _engine.AdvanceAsync(atSwitch);
        d = await RunAsync(atSwitch);

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(2, _env.Calls.Count(c => c == "hook before_switch"));
        Assert.All(_env.HookCalls, c => Assert.Equal(7, c.Deployment.Id));
    }

    [Fact]
    public async Task HealthDeadline_OnFailureHookAnswers500_StillRolledBackNotFailed()
    {
        _env.Up = (_, _) => false;
        _env.Hooks[HookRules.OnFailure] = _ => Answer(HookRules.OnFailure, 500);
        _env.Hooks[HookRules.BeforeSwitch] = _ => Answer(HookRules.BeforeSwitch, 200);

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.DoesNotContain("hook before_switch", _env.Calls);
        Assert.Equal("hook on_failure", _env.Calls[^1]);
        Assert.Equal($"hook on_failure {Url}: HTTP 500 after 1 attempt in 12 ms", d.Events[^1].Message);
        Assert.Equal(d.Events[^1].At, d.FinishedAt);
    }
}
