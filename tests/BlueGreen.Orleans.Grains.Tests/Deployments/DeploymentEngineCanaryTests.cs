using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Rules;
using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

/// <summary>
/// release --canary through the engine: each weight set on every proxy once the target is UP, held for its interval
/// under the analysis, then the next, then the switch; an approval skips to the switch; an abort, a breach or a dead
/// target removes the split and drains the target before it stops; a split never left on a proxy whose target stopped.
/// </summary>
public sealed class DeploymentEngineCanaryTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private static readonly ResolvedOptions Options = new(
        HealthTimeout: TimeSpan.FromSeconds(10), DrainTimeout: TimeSpan.FromSeconds(5), KeepWarm: TimeSpan.Zero,
        VerifyWindow: TimeSpan.Zero, MaxErrorRatio: 0.01, StopTimeout: TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
    private readonly FakeDeploymentEnvironment _env;
    private readonly DeploymentEngine _engine;

    public DeploymentEngineCanaryTests()
    {
        _env = new FakeDeploymentEnvironment(_time, "p1", "p2", "p3");
        foreach (var p in _env.Proxies)
        {
            _env.Routes[p] = Colour.Blue;
        }

        _engine = new DeploymentEngine(_env, _time);
    }

    /// <summary>A release as the service starts one with --canary 10,50,100 --step-interval 30s.</summary>
    private DeploymentRecord Release(DeploymentEngine? engine = null) =>
        (engine ?? _engine).Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options)
            with { Canary = [10, 50], CanaryStepInterval = Interval };

    /// <summary>Advances until the deployment ends or <paramref name="until"/> holds, moving time by a poll interval whenever a step waits.</summary>
    private async Task<DeploymentRecord> RunAsync(DeploymentRecord d, Func<DeploymentRecord, bool>? until = null, DeploymentEngine? engine = null)
    {
        for (var i = 0; i < 2000 && !d.IsFinished && !(until?.Invoke(d) ?? false); i++)
        {
            var next = await (engine ?? _engine).AdvanceAsync(d);
            if (next.Step == d.Step && !next.IsFinished)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }

            d = next;
        }

        return d;
    }

    private static bool At(DeploymentRecord d, int weight) => d.Step == DeploymentStep.Canary && d.CanaryWeight == weight && d.CanarySetAt is not null;

    [Fact]
    public async Task AdvanceAsync_Canary_EachWeightHeldItsIntervalThenSwitchesAndRemovesTheSplit()
    {
        var d = await RunAsync(Release(), r => At(r, 10));
        Assert.Equal(["provision green 2", "recheck green", "canary green 10"], _env.Calls);
        Assert.All(_env.Proxies, p => Assert.Equal((Colour.Green, 10), _env.Canaries[p]));
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        var setAt = _time.GetUtcNow();

        d = await RunAsync(d, r => At(r, 50));
        Assert.True(_time.GetUtcNow() - setAt >= Interval, $"10% held {_time.GetUtcNow() - setAt}");
        Assert.All(_env.Proxies, p => Assert.Equal((Colour.Green, 50), _env.Canaries[p]));

        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(["provision green 2", "recheck green", "canary green 10", "canary green 50", "switch green p1,p2,p3", "canary off", "retire blue"], _env.Calls);
        Assert.Empty(_env.Canaries);
        Assert.Null(d.CanaryWeight);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Green, c));
        Assert.Contains(d.Events, e => e.Message.StartsWith("50% held 30 s: 0 5xx in 0 responses", StringComparison.Ordinal) && e.Message.EndsWith("switching to 100%", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdvanceAsync_ApprovedAtTheFirstWeight_SwitchesWithoutTheRest()
    {
        var d = await RunAsync(Release(), r => At(r, 10));
        Assert.True(DeploymentEngine.CanApprove(d));

        d = await RunAsync(d with { ApprovedBy = "alice", ApprovedAt = _time.GetUtcNow() });

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.DoesNotContain("canary green 50", _env.Calls);
        Assert.Equal(["canary green 10", "switch green p1,p2,p3", "canary off", "retire blue"], _env.Calls[2..]);
        Assert.Contains(d.Events, e => e.Message.StartsWith("approved by alice", StringComparison.Ordinal) && e.Message.Contains("at 10%", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdvanceAsync_AbortAtAWeight_SplitRemovedTargetDrainedThenRetired()
    {
        var sessions = 3L;
        _env.Sessions = (p, c) => p == "p2" && c == Colour.Green ? sessions : 0;
        var d = await RunAsync(Release(), r => At(r, 10));
        Assert.True(DeploymentEngine.CanAbort(d));

        d = await RunAsync(d with { AbortRequested = true, AbortRequestedBy = "bob" }, r => r.Step == DeploymentStep.Drain);
        d = await RunAsync(d, r => _time.GetUtcNow() > r.StepStartedAt + TimeSpan.FromSeconds(1));

        // Waits for green's sessions on p2, the split already gone.
        Assert.Equal(DeploymentStep.Drain, d.Step);
        Assert.Empty(_env.Canaries);
        Assert.DoesNotContain("retire green", _env.Calls);
        sessions = 0;
        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.Aborted, d.Outcome);
        Assert.Equal(["canary green 10", "switch blue p1,p2,p3", "canary off", "retire green"], _env.Calls[2..]);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        Assert.Contains(d.Events, e => e.Message == "green drained on every proxy; retiring it");
    }

    [Fact]
    public async Task AdvanceAsync_5xxAtAWeight_RollsBackNamingFigureProxyAndWeight()
    {
        var d = await RunAsync(Release(), r => At(r, 50));
        _env.Counters = p => p == "p2" ? (40, 100) : (0, 100);

        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Equal("40 of 100 responses were 5xx on p2 (limit 1.0 %) at the canary's 50%", d.Error);
        Assert.Empty(_env.Canaries);
        Assert.All(_env.Routes.Values, c => Assert.Equal(Colour.Blue, c));
        Assert.Equal("retire green", _env.Calls[^1]);
        Assert.Contains(d.Analysis, f => f.ProxyId == "p2" && f.Http5xx == 40);
    }

    [Fact]
    public async Task AdvanceAsync_TargetDiesAtAWeight_RollsBack()
    {
        var d = await RunAsync(Release(), r => At(r, 10));
        _env.Up = (p, c) => c != Colour.Green || p != "p3";

        d = await RunAsync(d);

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.StartsWith("green went down on p3 at the canary's 10%", d.Error, StringComparison.Ordinal);
        Assert.Empty(_env.Canaries);
        Assert.Equal("retire green", _env.Calls[^1]);
    }

    [Fact]
    public async Task AdvanceAsync_WeightNotSetOnAProxy_NotAdvancedAndNeverRetiresWhatItStillRoutes()
    {
        _env.CanaryFails.Add("p2");

        var d = await RunAsync(Release());

        // Never on to 50% without p2; at the health deadline back, but p2 cannot drop the split: green keeps running.
        Assert.DoesNotContain("canary green 50", _env.Calls);
        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Contains("the canary's 10% could not be set on p2", d.Error, StringComparison.Ordinal);
        Assert.Contains("the canary split could not be removed from p2: green kept running", d.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("retire green", _env.Calls);
        Assert.Equal(10, d.CanaryWeight);
    }

    [Fact]
    public async Task AdvanceAsync_BeforeSwitchHookVetoes_NoWeightEverSet()
    {
        _env.Hooks[HookRules.BeforeSwitch] = _ => new HookCall(HookRules.BeforeSwitch, "http://127.0.0.1:9/veto", 409, null, 1, TimeSpan.Zero);

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.DoesNotContain(_env.Calls, c => c.StartsWith("canary green", StringComparison.Ordinal));
        Assert.Single(_env.HookCalls, c => c.Event == HookRules.BeforeSwitch);
    }

    [Fact]
    public async Task AdvanceAsync_BeforeSwitchHook_CalledOnceBeforeTheFirstWeightNotAgainAtTheSwitch()
    {
        _env.Hooks[HookRules.BeforeSwitch] = _ => new HookCall(HookRules.BeforeSwitch, "http://127.0.0.1:9/ok", 200, null, 1, TimeSpan.Zero);

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        var call = Assert.Single(_env.HookCalls, c => c.Event == HookRules.BeforeSwitch);
        Assert.Null(call.Deployment.CanaryWeight);
    }

    [Fact]
    public async Task AdvanceAsync_ResumedByANewEngineMidStep_KeepsTheWeightAndTheRestOfTheInterval()
    {
        var d = await RunAsync(Release(), r => At(r, 10));
        _time.Advance(TimeSpan.FromSeconds(20));
        var calls = _env.Calls.Count;

        var resumed = new DeploymentEngine(_env, _time);
        d = await resumed.AdvanceAsync(d);
        Assert.True(At(d, 10));
        Assert.Equal(calls, _env.Calls.Count);
        d = await RunAsync(d, r => At(r, 50), resumed);

        Assert.Equal("canary green 50", _env.Calls[calls]);
    }

    [Fact]
    public async Task AdvanceAsync_CutBetweenSettingAndSaving_SetsTheSameWeightAgain()
    {
        var d = await RunAsync(Release(), r => r.Step == DeploymentStep.Canary);
        Assert.Null(d.CanarySetAt);
        // A crash after the proxies took 10% and before the record said so: the stored record still says "not set".
        _env.Canaries["p1"] = (Colour.Green, 10);

        d = await RunAsync(d, r => At(r, 10), new DeploymentEngine(_env, _time));

        Assert.All(_env.Proxies, p => Assert.Equal((Colour.Green, 10), _env.Canaries[p]));
        Assert.Single(_env.Calls, c => c == "canary green 10");
    }

    [Fact]
    public async Task AdvanceAsync_SwitchFailsAfterTheCanary_RevertsAndRemovesTheSplitBeforeRetiring()
    {
        _env.SwitchFails.Add("p3");

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        Assert.Empty(_env.Canaries);
        var off = _env.Calls.IndexOf("canary off");
        Assert.InRange(off, 0, _env.Calls.IndexOf("retire green"));
    }
}
