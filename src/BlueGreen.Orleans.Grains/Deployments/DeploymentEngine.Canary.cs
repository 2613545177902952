using System.Globalization;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// A canary release (release --canary 10,50,100): after AwaitHealthy, each weight below 100 is set on every proxy in
/// turn (<see cref="CanaryRoute"/>: that share of live traffic goes to the target, each client kept on the colour it
/// drew), and held for the step interval while the analysis of the switch (<see cref="Analyse"/>) watches the target
/// since the weight was set. A breach, the target going down or an abort returns every request to the old colour, then
/// drains the target before it stops; the last step, or an approval, switches as a release does. Each weight is set
/// through the proxies' apply path (desired state and map file first), so a reload or a restart keeps the split, and the
/// record keeps the step, so a crash resumes it with the same weight and the rest of its interval.
/// </summary>
public sealed partial class DeploymentEngine
{
    /// <summary>Enters canary step <paramref name="index"/>: its weight is not set yet; it has the health timeout to be.</summary>
    private DeploymentRecord BeginCanaryStep(DeploymentRecord d, int index, string why) =>
        Begin(d with { CanaryIndex = index, CanarySetAt = null }, DeploymentStep.Canary, d.Target,
            $"{why}; canary step {index + 1} of {d.Canary.Count + 1}: sending {d.Canary[index]}% of {d.Service}'s traffic to {d.Target.Name()}",
            d.Options.HealthTimeout);

    private async Task<DeploymentRecord> CanaryAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (d.CanaryIndex >= d.Canary.Count)
        {
            // Only a record cut between its last step and the switch lands here: the switch is next.
            return Begin(d, DeploymentStep.Switch, d.Target, "canary done: switching");
        }

        if (d.ApprovedAt is not null)
        {
            return Begin(d, DeploymentStep.Switch, d.Target, $"approved by {d.ApprovedBy} at {d.ApprovedAt:yyyy-MM-dd HH:mm:ss} UTC at {d.CanaryWeight ?? 0}%: switching to {d.Target.Name()}, skipping the rest of the canary");
        }

        return d.CanarySetAt is null ? await SetCanaryWeightAsync(d, cancellationToken) : await WatchCanaryAsync(d, cancellationToken);
    }

    /// <summary>
    /// Sets the step's weight on every proxy, once the target is UP on all of them (read now); a proxy that failed keeps
    /// it desired and the step tries again until the health timeout. The first weight is preceded by the before_switch
    /// hooks: it is the first live request the target gets.
    /// </summary>
    private async Task<DeploymentRecord> SetCanaryWeightAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        var weight = d.Canary[d.CanaryIndex];
        var health = await environment.ReadBackendNowAsync(d.Target, cancellationToken);
        d = Progress(d, health, r => p => p with { Health = Summary(r), Healthy = r.AllUp });
        var notUp = health.Where(r => !r.AllUp).ToList();
        if (notUp.Count > 0 || health.Count != environment.Proxies.Count)
        {
            return DeadlinePassed(d)
                ? Begin(d with { PendingOutcome = DeploymentOutcome.RolledBack, Error = $"{d.Target.Name()} not UP on every proxy within {Seconds(d.Options.HealthTimeout)} for the canary's {weight}%: {string.Join(", ", notUp.Select(r => $"{r.ProxyId} ({Summary(r)})"))}" },
                    DeploymentStep.Revert, d.Target, $"canary stopped before {weight}%: every request back to {d.From.Name()}")
                : d;
        }

        if (d.CanaryWeight is null)
        {
            (d, var vetoed) = await BeforeSwitchAsync(d, callHooks: true, cancellationToken);
            if (vetoed)
            {
                return d;
            }
        }

        // Recorded before it is sent: from now on the target may have live traffic, and every way back removes the split.
        d = d with { CanaryWeight = weight };
        var results = await environment.SetCanaryAsync(d.Target, weight, cancellationToken);
        var failed = results.Where(r => !r.Succeeded).ToList();
        foreach (var r in failed)
        {
            d = Event(d, r.ProxyId, $"canary {weight}% not set yet: {r.Error}; tried again until the health timeout");
        }

        if (failed.Count > 0)
        {
            return DeadlinePassed(d)
                ? Begin(d with { PendingOutcome = DeploymentOutcome.RolledBack, Error = $"the canary's {weight}% could not be set on {string.Join(", ", failed.Select(f => f.ProxyId))}" },
                    DeploymentStep.Revert, d.Target, $"canary stopped at {weight}%: every request back to {d.From.Name()}")
                : d;
        }

        // The analysis counts from here; the interval too (setting it took part of the health timeout, not of the interval).
        d = await BaselineAsync(d with { CanarySetAt = time.GetUtcNow() }, cancellationToken);
        return Begin(d, DeploymentStep.Canary, d.Target,
            $"canary at {weight}% on every proxy: {weight}% of new clients go to {d.Target.Name()} (cookie {CanaryRoute.Cookie} keeps each on its colour); analysing {AnalysedFigures(d.Options)} for {Seconds(d.CanaryStepInterval)}",
            d.CanaryStepInterval);
    }

    /// <summary>
    /// Holds the weight for the step interval: the target must stay up, and its figures within their limits; then the
    /// next weight, or the switch after the last.
    /// </summary>
    private async Task<DeploymentRecord> WatchCanaryAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        var weight = d.Canary[d.CanaryIndex];
        var reports = await environment.ReadBackendAsync(d.Target, cancellationToken);
        d = Progress(d, reports, r => p => p with { Health = Summary(r), Healthy = r.AllUp });
        if (reports.FirstOrDefault(TargetDied) is { } dead)
        {
            return Begin(d with { PendingOutcome = DeploymentOutcome.RolledBack, Error = $"{d.Target.Name()} went down on {dead.ProxyId} at the canary's {weight}% ({Summary(dead)})" },
                DeploymentStep.Revert, d.Target, $"{d.Target.Name()} is down: every request back to {d.From.Name()}");
        }

        var (analysed, fleet, breach) = Analyse(d, reports);
        if (breach is { } b)
        {
            return Begin(analysed with { PendingOutcome = DeploymentOutcome.RolledBack, Error = $"{b.Error} at the canary's {weight}%" },
                DeploymentStep.Revert, d.Target, $"{b.Figure} over the limit{b.Where} at {weight}%: every request back to {d.From.Name()}");
        }

        if (!DeadlinePassed(analysed))
        {
            return analysed;
        }

        var held = string.Create(CultureInfo.InvariantCulture, $"{weight}% held {Seconds(analysed.CanaryStepInterval)}: {Describe(fleet)}");
        return d.CanaryIndex + 1 < d.Canary.Count
            ? BeginCanaryStep(analysed, d.CanaryIndex + 1, held)
            : Begin(analysed with { CanaryIndex = d.Canary.Count }, DeploymentStep.Switch, d.Target, $"{held}; switching to 100%");
    }

    /// <summary>
    /// Removes the canary's split from every proxy once one may be set; the proxies that could not remove it are returned
    /// (they keep the removal desired), and the record forgets the split only once none is left.
    /// </summary>
    private async Task<(DeploymentRecord Record, IReadOnlyList<string> Left)> ClearCanaryAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (d.CanaryWeight is null)
        {
            return (d, []);
        }

        var results = await environment.RemoveCanaryAsync(cancellationToken);
        var left = results.Where(r => !r.Succeeded).Select(r => r.ProxyId).ToList();
        foreach (var r in results.Where(r => !r.Succeeded))
        {
            d = Event(d, r.ProxyId, $"canary split not removed yet: {r.Error}; the proxy keeps the removal desired");
        }

        return left.Count > 0 ? (d, left) : (Event(d with { CanaryWeight = null }, null, "canary split removed from every proxy"), left);
    }

    /// <summary>
    /// After a canary went back: the target's sessions (its share of live requests, and clients its cookie kept there)
    /// end on every proxy, or the drain deadline passes, before it stops.
    /// </summary>
    private async Task<DeploymentRecord> DrainTargetAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        var reports = await environment.ReadDrainAsync(d.Target, cancellationToken);
        var left = reports.Where(r => r.Live.Reachable).Sum(r => r.Sessions);
        if (reports.Count == environment.Proxies.Count && reports.All(r => r.Live.Reachable && r.Sessions == 0 && (!r.HasMaster || r.MasterRead)))
        {
            return Begin(d, DeploymentStep.Retire, d.Target, $"{d.Target.Name()} drained on every proxy; retiring it");
        }

        return DeadlinePassed(d)
            ? Begin(d, DeploymentStep.Retire, d.Target, string.Create(CultureInfo.InvariantCulture, $"drain deadline passed with {left} sessions to {d.Target.Name()} left; retiring it"))
            : d;
    }
}
