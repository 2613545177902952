using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Grains.Telemetry;

/// <summary>
/// The <c>BlueGreen.Orleans</c> meter and activity source: what the grains measure, in one place. One instance per
/// silo (a DI singleton); the host decides where it goes (Prometheus, OTLP). Tags stay low-cardinality: kind, outcome,
/// step, and the proxy id for per-proxy series (a fleet has a handful of proxies, not thousands).
/// </summary>
public sealed class BlueGreenTelemetry
{
    /// <summary>The name of both the meter and the activity source.</summary>
    public const string Name = "BlueGreen.Orleans";

    private static readonly string? Version = typeof(BlueGreenTelemetry).Assembly.GetName().Version?.ToString();

    private readonly ConcurrentDictionary<string, int> _proxyReachable = new(StringComparer.Ordinal);
    private readonly Counter<long> _deployments;
    private readonly UpDownCounter<long> _active;
    private readonly Histogram<double> _stepDuration;
    private readonly Histogram<double> _switchDuration;
    private readonly Histogram<double> _switchSkew;
    private readonly Counter<long> _reconciliations;
    private readonly Histogram<double> _agentPush;
    private readonly Histogram<double> _agentApply;

    public BlueGreenTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(new MeterOptions(Name) { Version = Version });
        _deployments = meter.CreateCounter<long>(
            "bluegreen.deployments", "{deployment}", "Deployments finished, by kind and outcome.");
        _active = meter.CreateUpDownCounter<long>(
            "bluegreen.deployments.active", "{deployment}", "Deployments this silo is running now, by kind.");
        _stepDuration = meter.CreateHistogram(
            "bluegreen.deployment.step.duration", "s", "How long each deployment step took, by step.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });
        // Milliseconds, not seconds: a fleet switch is a few ms and its skew often below one.
        IReadOnlyList<double> milliseconds = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
        _switchDuration = meter.CreateHistogram(
            "bluegreen.fleet.switch.duration", "ms", "From the first switch command sent to the last proxy confirmed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = milliseconds });
        _switchSkew = meter.CreateHistogram(
            "bluegreen.fleet.switch.skew", "ms", "Last proxy switched minus first proxy switched.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = milliseconds });
        _agentPush = meter.CreateHistogram(
            "bluegreen.agent.push.duration", "ms", "From a proxy grain sending a routes version down its agent's stream to the agent's first acknowledgement.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = milliseconds });
        _agentApply = meter.CreateHistogram(
            "bluegreen.agent.apply.duration", "ms", "Of a push, the agent's own time from taking the version to that acknowledgement, as the agent reports it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = milliseconds });
        _reconciliations = meter.CreateCounter<long>(
            "bluegreen.proxy.reconciliations", "{route}", "Routes re-applied after an HAProxy restart, reload or drift, by proxy.");
        meter.CreateObservableGauge(
            "bluegreen.proxy.reachable", ObserveProxies, null, "1 if the proxy's Runtime API answered its last probe, 0 if not; per proxy active on this silo.");
    }

    /// <summary>Starts one span per deployment and one per step (see <c>DeploymentTrace</c>).</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, Version);

    /// <summary>The tag value of a step: <c>provision</c>, <c>await_healthy</c>, …</summary>
    public static string Tag(DeploymentStep step) => step switch
    {
        DeploymentStep.Provision => "provision",
        DeploymentStep.AwaitHealthy => "await_healthy",
        DeploymentStep.Switch => "switch",
        DeploymentStep.Verify => "verify",
        DeploymentStep.Drain => "drain",
        DeploymentStep.Retire => "retire",
        DeploymentStep.Revert => "revert",
        DeploymentStep.Done => "done",
        DeploymentStep.Held => "held",
        DeploymentStep.Canary => "canary",
        _ => "unknown",
    };

    public static string Tag(DeploymentKind kind) => kind switch
    {
        DeploymentKind.Release => "release",
        DeploymentKind.Promote => "promote",
        DeploymentKind.Rollback => "rollback",
        _ => "unknown",
    };

    public static string Tag(DeploymentOutcome outcome) => outcome switch
    {
        DeploymentOutcome.Running => "running",
        DeploymentOutcome.Succeeded => "succeeded",
        DeploymentOutcome.RolledBack => "rolled_back",
        DeploymentOutcome.Failed => "failed",
        DeploymentOutcome.Aborted => "aborted",
        _ => "unknown",
    };

    internal void DeploymentRunning(DeploymentKind kind, int delta) => _active.Add(delta, new KeyValuePair<string, object?>("kind", Tag(kind)));

    internal void StepEnded(DeploymentStep step, TimeSpan duration) =>
        _stepDuration.Record(Math.Max(0, duration.TotalSeconds), new KeyValuePair<string, object?>("step", Tag(step)));

    internal void FleetSwitched(TimeSpan duration, TimeSpan skew)
    {
        _switchDuration.Record(duration.TotalMilliseconds);
        _switchSkew.Record(skew.TotalMilliseconds);
    }

    internal void DeploymentFinished(DeploymentRecord d) =>
        _deployments.Add(1, new KeyValuePair<string, object?>("kind", Tag(d.Kind)), new KeyValuePair<string, object?>("outcome", Tag(d.Outcome)));

    internal void ProxyProbed(string proxyId, bool reachable) => _proxyReachable[proxyId] = reachable ? 1 : 0;

    /// <summary>The proxy grain left this silo (removed or deactivated): its series ends here, another silo may take it up.</summary>
    internal void ProxyGone(string proxyId) => _proxyReachable.TryRemove(proxyId, out _);

    /// <summary>One push an agent took: the round trip the grain saw and the part of it the agent reports as its own.</summary>
    internal void AgentPushed(TimeSpan roundTrip, TimeSpan agent)
    {
        _agentPush.Record(roundTrip.TotalMilliseconds);
        _agentApply.Record(agent.TotalMilliseconds);
    }

    internal void RoutesReconciled(string proxyId, int count) => _reconciliations.Add(count, new KeyValuePair<string, object?>("proxy", proxyId));

    private IEnumerable<Measurement<int>> ObserveProxies() =>
        _proxyReachable.Select(p => new Measurement<int>(p.Value, new KeyValuePair<string, object?>("proxy", p.Key)));
}
