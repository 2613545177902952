using System.Globalization;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// The service's webhooks at the points of a deployment: before the switch (a veto), after the switch, after the drain,
/// and when it ends otherwise than succeeded. Each call and its answer is an event of the record. A step cut by a crash
/// runs again and calls its hooks again: delivery is at least once, and receivers dedupe on the deployment id and event.
/// </summary>
public sealed partial class DeploymentEngine
{
    /// <summary>
    /// The before_switch hooks, at the start of the Switch step (after any hold): all must answer 2xx within their
    /// attempts, or the switch does not happen and the target is retired, the live colour untouched. An abort asked
    /// before the step (or during its hook calls, which it cuts) stops it here: every proxy is put back to the live colour
    /// (none moved in this step; one cut by a crash may have moved some, and putting back is idempotent), then the target
    /// is retired, so traffic never goes forward and back for an abort that came first.
    /// </summary>
    /// <returns>The record with the calls' events, and whether the switch is off (the record is then on its way back).</returns>
    /// <param name="callHooks">False: only the abort is honoured (a canary called the hooks before its first weight).</param>
    private async Task<(DeploymentRecord Record, bool Vetoed)> BeforeSwitchAsync(DeploymentRecord d, bool callHooks, CancellationToken cancellationToken)
    {
        if (d.AbortRequested)
        {
            return (Begin(d with { PendingOutcome = DeploymentOutcome.Aborted, Error = "aborted before the switch" },
                DeploymentStep.Revert, d.Target, $"abort: the switch is off; every proxy stays on {d.From.Name()}"), true);
        }

        if (!callHooks)
        {
            return (d, false);
        }

        var calls = await environment.CallHooksAsync(HookRules.BeforeSwitch, d, cancellationToken);
        d = Recorded(d, calls);
        if (calls.FirstOrDefault(c => !c.Succeeded) is not { } veto)
        {
            return (d, false);
        }

        return (Begin(d with { PendingOutcome = DeploymentOutcome.RolledBack, Error = $"before_switch hook {veto.Url} vetoed the switch: {Answer(veto)}" },
            DeploymentStep.Retire, d.Target, $"a before_switch hook vetoed the switch: retiring {d.Target.Name()}, {d.From.Name()} stays live"), true);
    }

    /// <summary>The hooks of a notification (after_switch, after_drain, on_failure): a failure is recorded and changes nothing.</summary>
    private async Task<DeploymentRecord> NotifyAsync(DeploymentRecord d, string hookEvent, CancellationToken cancellationToken) =>
        Recorded(d, await environment.CallHooksAsync(hookEvent, d, cancellationToken));

    /// <summary>
    /// A deployment that just ended otherwise than succeeded tells its on_failure hooks. The timeline ends where the record
    /// does: the end moves to the last call's event.
    /// </summary>
    private async Task<DeploymentRecord> EndedAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (!d.IsFinished || d.Outcome == DeploymentOutcome.Succeeded)
        {
            return d;
        }

        var told = await NotifyAsync(d, HookRules.OnFailure, cancellationToken);
        return told.Events.Count == d.Events.Count ? told : told with { FinishedAt = told.Events[^1].At, StepStartedAt = told.Events[^1].At };
    }

    private DeploymentRecord Recorded(DeploymentRecord d, IReadOnlyList<HookCall> calls)
    {
        foreach (var call in calls)
        {
            d = Event(d, null, string.Create(CultureInfo.InvariantCulture,
                $"hook {call.Event} {call.Url}: {Answer(call)} after {call.Attempts} attempt{(call.Attempts == 1 ? string.Empty : "s")} in {call.Duration.TotalMilliseconds:0} ms"));
        }

        return d;
    }

    private static string Answer(HookCall call) =>
        call.StatusCode is { } status ? string.Create(CultureInfo.InvariantCulture, $"HTTP {status}") : call.Error ?? "no answer";
}
