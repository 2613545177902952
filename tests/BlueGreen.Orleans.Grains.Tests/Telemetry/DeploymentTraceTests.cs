using System.Diagnostics;
using System.Diagnostics.Metrics;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Grains.Telemetry;
using BlueGreen.Orleans.Grains.Tests.Deployments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Telemetry;

/// <summary>The spans and metrics of a deployment, driven by the real engine over a scripted fleet, as the service grain drives them.</summary>
[Collection(TelemetryTestGroup.Name)]
public sealed class DeploymentTraceTests : IDisposable
{
    private static readonly ResolvedOptions Options = new(
        HealthTimeout: TimeSpan.FromSeconds(10), DrainTimeout: TimeSpan.FromSeconds(5), KeepWarm: TimeSpan.Zero,
        VerifyWindow: TimeSpan.FromSeconds(1), MaxErrorRatio: 0.01, StopTimeout: TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeDeploymentEnvironment _env;
    private readonly DeploymentEngine _engine;
    private readonly BlueGreenTelemetry _telemetry;
    private readonly TelemetryCapture _capture;

    public DeploymentTraceTests()
    {
        _env = new FakeDeploymentEnvironment(_time, "p1", "p2");
        _engine = new DeploymentEngine(_env, _time);
        var meters = _services.GetRequiredService<IMeterFactory>();
        _capture = new TelemetryCapture(meters);
        _telemetry = new BlueGreenTelemetry(meters);
    }

    [Fact]
    public async Task Release_Succeeds_OneRootSpanWithAChildPerStepInOrder()
    {
        var trace = new DeploymentTrace(_telemetry);
        var d = _engine.Create(7, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options);
        d = d with { TraceParent = trace.Start(d) };

        d = await RunAsync(trace, d);

        var spans = _capture.Trace(d.TraceParent);
        var root = Assert.Single(spans, s => s.Parent is null && s.ParentSpanId == default);
        Assert.Equal("bluegreen.deployment", root.OperationName);
        Assert.Equal("release web", root.DisplayName);
        Assert.Equal(d.TraceParent, root.Id);
        Assert.Equal(7L, root.GetTagItem("bluegreen.deployment.id"));
        Assert.Equal("web", root.GetTagItem("bluegreen.service"));
        Assert.Equal("release", root.GetTagItem("bluegreen.deployment.kind"));
        Assert.Equal("2", root.GetTagItem("bluegreen.deployment.version"));
        Assert.Equal("succeeded", root.GetTagItem("bluegreen.deployment.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, root.Status);
        Assert.Equal(d.FinishedAt!.Value - d.CreatedAt, root.Duration);

        var steps = spans.Where(s => s.ParentSpanId == root.SpanId).ToList();
        Assert.Equal(["provision", "await_healthy", "switch", "verify", "drain", "retire"], steps.Select(s => s.GetTagItem("bluegreen.deployment.step")));
        Assert.All(steps, s => Assert.Equal("bluegreen.deployment.step", s.OperationName));
        Assert.Equal(TimeSpan.FromSeconds(1), steps.Single(s => s.DisplayName == "verify").Duration);
        Assert.Equal(2.0, steps.Single(s => s.DisplayName == "switch").GetTagItem("bluegreen.fleet.switch.duration_ms") is double ms ? ms : -1, 3);
        Assert.Contains(steps.Single(s => s.DisplayName == "switch").Events, e => e.Name.StartsWith("switched to web_green", StringComparison.Ordinal));
        for (var i = 1; i < steps.Count; i++)
        {
            // Each step ends where the next begins (a step that took no time lasts one tick).
            Assert.InRange(steps[i].StartTimeUtc - (steps[i - 1].StartTimeUtc + steps[i - 1].Duration), TimeSpan.FromTicks(-1), TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task Release_Succeeds_MetricsPerStepSwitchAndOutcome()
    {
        var trace = new DeploymentTrace(_telemetry);
        var d = _engine.Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options);
        d = d with { TraceParent = trace.Start(d) };
        var activeDuring = _capture.Measurements("bluegreen.deployments.active").Sum(m => m.Value);

        await RunAsync(trace, d);

        Assert.Equal(1, activeDuring);
        Assert.Equal(0, _capture.Measurements("bluegreen.deployments.active").Sum(m => m.Value));
        var finished = Assert.Single(_capture.Measurements("bluegreen.deployments"));
        Assert.Equal((1.0, "release", "succeeded"), (finished.Value, finished.Tags["kind"], finished.Tags["outcome"]));
        var steps = _capture.Measurements("bluegreen.deployment.step.duration");
        Assert.Equal(["provision", "await_healthy", "switch", "verify", "drain", "retire"], steps.Select(s => s.Tags["step"]));
        Assert.Equal(1.0, steps.Single(s => (string?)s.Tags["step"] == "verify").Value);
        Assert.Equal([2.0, 1.0], [Assert.Single(_capture.Measurements("bluegreen.fleet.switch.duration")).Value, Assert.Single(_capture.Measurements("bluegreen.fleet.switch.skew")).Value]);
    }

    [Fact]
    public async Task Release_SwitchFails_RootMarkedFailedWithARevertedFleet()
    {
        _env.SwitchFails.Add("p2");
        var trace = new DeploymentTrace(_telemetry);
        var d = _engine.Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options);
        d = d with { TraceParent = trace.Start(d) };

        d = await RunAsync(trace, d);

        Assert.Equal(DeploymentOutcome.Failed, d.Outcome);
        var root = Assert.Single(_capture.Trace(d.TraceParent), s => s.ParentSpanId == default);
        Assert.Equal((ActivityStatusCode.Error, "failed"), (root.Status, root.GetTagItem("bluegreen.deployment.outcome")));
        Assert.Empty(_capture.Measurements("bluegreen.fleet.switch.skew"));
        Assert.Equal("failed", Assert.Single(_capture.Measurements("bluegreen.deployments")).Tags["outcome"]);
    }

    [Fact]
    public async Task StepStarting_ResumedOnAnotherActivation_ContinuesThePersistedTrace()
    {
        var first = new DeploymentTrace(_telemetry);
        var d = _engine.Create(3, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options);
        d = d with { TraceParent = first.Start(d) };
        first.StepStarting(d);
        var next = await _engine.AdvanceAsync(d);
        first.StepEnded(d, next);
        first.Abandon(); // the silo goes away mid-deployment

        var resumed = new DeploymentTrace(_telemetry); // a new activation, e.g. on another silo
        d = await RunAsync(resumed, next);

        var spans = _capture.Trace(d.TraceParent);
        var original = Assert.Single(spans, s => s.Id == d.TraceParent);
        Assert.Equal(true, original.GetTagItem("bluegreen.deployment.interrupted"));
        var continued = Assert.Single(spans, s => s.OperationName == "bluegreen.deployment" && s.ParentSpanId == original.SpanId);
        Assert.Equal(true, continued.GetTagItem("bluegreen.deployment.resumed"));
        Assert.Equal("succeeded", continued.GetTagItem("bluegreen.deployment.outcome"));
        Assert.Equal(["await_healthy", "switch", "verify", "drain", "retire"], spans.Where(s => s.ParentSpanId == continued.SpanId).Select(s => s.DisplayName));
    }

    [Fact]
    public void Start_NothingListens_NoTraceParentAndCallerSpanUntouched()
    {
        _capture.Dispose();
        using var caller = new Activity("caller").Start();
        var trace = new DeploymentTrace(_telemetry);
        var d = _engine.Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, Options);

        var parent = trace.Start(d);
        trace.StepStarting(d);

        Assert.Null(parent);
        Assert.Null(trace.Step);
        Assert.Same(caller, Activity.Current);
    }

    public void Dispose()
    {
        _capture.Dispose();
        _services.Dispose();
    }

    /// <summary>What the service grain's loop does around each step, with time moving a poll interval while a step waits.</summary>
    private async Task<DeploymentRecord> RunAsync(DeploymentTrace trace, DeploymentRecord d)
    {
        DeploymentStep? observed = null;
        for (var i = 0; i < 1000 && !d.IsFinished; i++)
        {
            if (d.Step != observed)
            {
                observed = d.Step;
                trace.StepStarting(d);
            }

            var next = await _engine.AdvanceAsync(d);
            if (next.Step != d.Step || next.IsFinished)
            {
                trace.StepEnded(d, next);
            }
            else
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }

            d = next;
        }

        return d;
    }
}
