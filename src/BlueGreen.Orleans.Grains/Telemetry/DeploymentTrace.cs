using System.Diagnostics;
using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Grains.Telemetry;

/// <summary>
/// The spans and metrics of the deployment one service grain activation runs: a root span per deployment and a child
/// span per step, timed with the record's own timestamps so spans and the event log agree. Lives as long as the
/// activation; a deployment resumed elsewhere (after a crash) opens a new root there, parented to the
/// <see cref="DeploymentRecord.TraceParent"/> persisted with the record, so the whole deployment is one trace.
/// Never changes <see cref="Activity.Current"/> of its caller.
/// </summary>
internal sealed class DeploymentTrace(BlueGreenTelemetry telemetry)
{
    private const string StepOperation = "bluegreen.deployment.step";

    private DeploymentRecord? _deployment;
    private Activity? _root;
    private int _lastEvent;

    /// <summary>The span of the step running now (null when nothing listens): the parent of what the step does.</summary>
    public Activity? Step { get; private set; }

    /// <summary>A new deployment: opens its root span, linked to the caller's span (the request that started it).</summary>
    /// <returns>The root's traceparent, to persist with the record.</returns>
    public string? Start(DeploymentRecord d)
    {
        Abandon(); // one that never got going (its first write failed)
        var caller = Activity.Current?.Context;
        Open(d, default, caller is { } c && c != default ? [new ActivityLink(c)] : null, resumed: false);
        return _root?.Id;
    }

    /// <summary>The step of <paramref name="d"/> is about to run on this activation.</summary>
    public void StepStarting(DeploymentRecord d)
    {
        if (_deployment?.Id != d.Id)
        {
            // Resumed: after a crash, a deactivation or a move to another silo.
            Abandon();
            Open(d, ActivityContext.TryParse(d.TraceParent, null, out var parent) ? parent : default, null, resumed: true);
        }

        Stop(Step, d.StepStartedAt);
        Step = _root is null ? null : StartDetached(
            StepOperation,
            BlueGreenTelemetry.Tag(d.Step),
            _root.Context,
            d.StepStartedAt,
            [
                new("bluegreen.deployment.step", BlueGreenTelemetry.Tag(d.Step)),
                new("bluegreen.deployment.id", d.Id),
                new("bluegreen.service", d.Service),
            ],
            null);
    }

    /// <summary>
    /// The engine moved <paramref name="before"/> to another step, or finished it: ends the step's span and records
    /// its duration, the fleet switch, and at the end the outcome.
    /// </summary>
    public void StepEnded(DeploymentRecord before, DeploymentRecord after)
    {
        telemetry.StepEnded(before.Step, after.StepStartedAt - before.StepStartedAt);
        if (before.Step == DeploymentStep.Switch && after.SwitchDuration is { } duration && after.SwitchSkew is { } skew)
        {
            telemetry.FleetSwitched(duration, skew);
            Step?.SetTag("bluegreen.fleet.switch.duration_ms", duration.TotalMilliseconds);
            Step?.SetTag("bluegreen.fleet.switch.skew_ms", skew.TotalMilliseconds);
        }

        AddEvents(Step, after, before.Step);
        Stop(Step, after.StepStartedAt);
        Step = null;
        if (!after.IsFinished)
        {
            return;
        }

        telemetry.DeploymentFinished(after);
        if (_root is { } root)
        {
            AddEvents(root, after, DeploymentStep.Done);
            root.SetTag("bluegreen.deployment.outcome", BlueGreenTelemetry.Tag(after.Outcome));
            if (after.Outcome is DeploymentOutcome.Failed or DeploymentOutcome.RolledBack)
            {
                root.SetStatus(ActivityStatusCode.Error, after.Error);
            }

            Stop(root, after.FinishedAt ?? after.StepStartedAt);
        }

        Close();
    }

    /// <summary>The activation ends with the deployment unfinished: its spans end here, marked as interrupted.</summary>
    public void Abandon()
    {
        if (_deployment is null)
        {
            return;
        }

        foreach (var span in new[] { Step, _root })
        {
            span?.SetTag("bluegreen.deployment.interrupted", true);
            Stop(span, null);
        }

        Step = null;
        Close();
    }

    private void Open(DeploymentRecord d, ActivityContext parent, IEnumerable<ActivityLink>? links, bool resumed)
    {
        _deployment = d;
        // A resumed deployment's earlier events went with the spans of the activation that ran them.
        _lastEvent = resumed && d.Events.Count > 0 ? d.Events[^1].Sequence : 0;

        telemetry.DeploymentRunning(d.Kind, +1);
        _root = StartDetached(
            "bluegreen.deployment",
            $"{BlueGreenTelemetry.Tag(d.Kind)} {d.Service}",
            parent,
            resumed ? d.StepStartedAt : d.CreatedAt,
            [
                new("bluegreen.deployment.id", d.Id),
                new("bluegreen.service", d.Service),
                new("bluegreen.deployment.kind", BlueGreenTelemetry.Tag(d.Kind)),
                new("bluegreen.deployment.version", d.Version),
                new("bluegreen.deployment.from", d.From.Name()),
                new("bluegreen.deployment.target", d.Target.Name()),
                new("bluegreen.deployment.resumed", resumed),
            ],
            links);
    }

    private void Close()
    {
        if (_deployment is { } d)
        {
            telemetry.DeploymentRunning(d.Kind, -1);
        }

        _deployment = null;
        _root = null;
    }

    /// <summary>The deployment's event log, on the span of the step each event belongs to.</summary>
    private void AddEvents(Activity? span, DeploymentRecord d, DeploymentStep step)
    {
        var added = _lastEvent;
        foreach (var e in d.Events.Where(e => e.Sequence > _lastEvent && e.Step == step))
        {
            span?.AddEvent(new ActivityEvent(e.Message, e.At, e.ProxyId is null ? null : new ActivityTagsCollection { ["bluegreen.proxy"] = e.ProxyId }));
            added = Math.Max(added, e.Sequence);
        }

        _lastEvent = added;
    }

    /// <summary>A span with an explicit parent (none: a root), whatever <see cref="Activity.Current"/> is.</summary>
    private static Activity? StartDetached(string operation, string displayName, ActivityContext parent, DateTimeOffset start, KeyValuePair<string, object?>[] tags, IEnumerable<ActivityLink>? links)
    {
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            var span = BlueGreenTelemetry.ActivitySource.StartActivity(operation, ActivityKind.Internal, parent, tags, links, start);
            if (span is not null)
            {
                span.DisplayName = displayName;
            }

            return span;
        }
        finally
        {
            Activity.Current = current;
        }
    }

    private static void Stop(Activity? span, DateTimeOffset? end)
    {
        if (span is null || span.IsStopped)
        {
            return;
        }

        var current = Activity.Current;
        if (end is { } at)
        {
            // At least a tick: Stop() replaces a zero duration with "until now", and a step can end where it began.
            span.SetEndTime(at.UtcDateTime > span.StartTimeUtc ? at.UtcDateTime : span.StartTimeUtc.AddTicks(1));
        }

        span.Stop();
        Activity.Current = current;
    }
}
