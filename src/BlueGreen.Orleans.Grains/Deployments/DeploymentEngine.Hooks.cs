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
    /// attempts, or the switch does not happen and the target is retired, the live colour untouched. Not called once an
    /// abort was asked for: the switch step then goes on as before, and the abort is honoured by switching back after it.
    /// </summary>
    /// <returns>The record with the calls' events, and whether a hook vetoed (the record is then on its way to Retire).</returns>
    private async Task<(DeploymentRecord Record, bool Vetoed)> BeforeSwitchAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (d.AbortRequested)
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

    /// <summary>A deployment that just ended otherwise than succeeded tells its on_failure hooks.</summary>
    private async Task<DeploymentRecord> EndedAsync(DeploymentRecord d, CancellationToken cancellationToken) =>
        d.IsFinished && d.Outcome != DeploymentOutcome.Succeeded ? await NotifyAsync(d, HookRules.OnFailure, cancellationToken) : d;

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
