using System.Collections.Immutable;
using System.Globalization;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// The deployment state machine. <see cref="AdvanceAsync"/> does the work of the current step once: it either moves
/// to the next step (the caller persists and calls again at once) or, while waiting for health, a verify window or a
/// drain, returns the record with fresh per-proxy progress (the caller waits a poll interval). Every step is
/// idempotent, so a deployment resumed after a crash simply runs its persisted step again.
/// </summary>
/// <param name="confirmWindow">
/// How long after the switch the target must be seen UP on every reachable proxy before the old colour is stopped
/// (<see cref="DefaultConfirmWindow"/> when null): a target that dies on its first real traffic is noticed by HAProxy's
/// checks only some check intervals later, and by then the old colour must still be there to switch back to.
/// </param>
/// <param name="clock">
/// Judges deadlines and durations on the monotonic clock (see <see cref="DeploymentClock"/>); the caller keeps one per
/// activation, since a new engine runs each step. A new one when null.
/// </param>
public sealed partial class DeploymentEngine(IDeploymentEnvironment environment, TimeProvider time, TimeSpan? confirmWindow = null, DeploymentClock? clock = null)
{
    private const int MaxEvents = 500;

    /// <summary>How long a freshly started HAProxy worker's health checks are given before a DOWN there counts alone.</summary>
    public static readonly TimeSpan ChecksSettle = TimeSpan.FromSeconds(10);

    /// <summary>HAProxy's default check interval (<c>inter 2s</c>): one full check after the switch, at least.</summary>
    public static readonly TimeSpan DefaultConfirmWindow = TimeSpan.FromSeconds(2);

    /// <summary>Responses a proxy's window must have counted before its response time is judged (an average of one is noise).</summary>
    public const int MinResponsesForTime = 10;

    /// <summary>How many of a server's last responses HAProxy's <c>rtime</c> and <c>ttime</c> average over.</summary>
    public const int TimeSamples = 1024;

    private readonly TimeSpan _confirmWindow = confirmWindow ?? DefaultConfirmWindow;
    private readonly DeploymentClock _clock = clock ?? new DeploymentClock(time);

    public async Task<DeploymentRecord> AdvanceAsync(DeploymentRecord d, CancellationToken cancellationToken = default)
    {
        if (d.IsFinished)
        {
            return d;
        }

        if (d.AbortRequested && d.PendingOutcome == DeploymentOutcome.Succeeded)
        {
            switch (d.Step)
            {
                case DeploymentStep.Provision or DeploymentStep.AwaitHealthy or DeploymentStep.Held:
                    return Begin(d with { PendingOutcome = DeploymentOutcome.Aborted, Error = "aborted before the switch" }, DeploymentStep.Retire, d.Target, "abort: retiring the target, the live colour is untouched");
                case DeploymentStep.Canary:
                    return Begin(d with { PendingOutcome = DeploymentOutcome.Aborted, Error = "aborted during the canary" }, DeploymentStep.Revert, d.Target, $"abort: every request back to {d.From.Name()}");
                case DeploymentStep.Verify or DeploymentStep.Drain:
                // Also once confirmed: an abort accepted while the confirming step ran lands on its result, and the old
                // colour is stopped only in the step after that one.
                case DeploymentStep.Retire when d.RetireColour == d.From && !d.Retired:
                    return Begin(d with { PendingOutcome = DeploymentOutcome.Aborted, Error = "aborted after the switch" }, DeploymentStep.Revert, d.Target, $"abort: switching back to {d.From.Name()}");
            }
        }

        var next = d.Step switch
        {
            DeploymentStep.Provision => await ProvisionAsync(d, cancellationToken),
            DeploymentStep.AwaitHealthy => await AwaitHealthyAsync(d, cancellationToken),
            DeploymentStep.Held => await HeldAsync(d, cancellationToken),
            DeploymentStep.Canary => await CanaryAsync(d, cancellationToken),
            DeploymentStep.Switch => await SwitchAsync(d, cancellationToken),
            DeploymentStep.Verify => await VerifyAsync(d, cancellationToken),
            DeploymentStep.Drain => await DrainAsync(d, cancellationToken),
            DeploymentStep.Revert => await RevertAsync(d, cancellationToken),
            DeploymentStep.Retire => await RetireAsync(d, cancellationToken),
            _ => Finish(d, d.PendingOutcome),
        };
        return await EndedAsync(next, cancellationToken);
    }

    /// <summary>
    /// Whether an abort can still change how <paramref name="d"/> ends: before the switch, around it (an abort during
    /// <see cref="DeploymentStep.Switch"/> is honoured at the next step), and while the old colour can still take over.
    /// Not once it is already ending otherwise (reverting, retiring after a failure or an abort) or finished.
    /// </summary>
    public static bool CanAbort(DeploymentRecord d) =>
        !d.IsFinished && d.PendingOutcome == DeploymentOutcome.Succeeded
        && (d.Step is DeploymentStep.Provision or DeploymentStep.AwaitHealthy or DeploymentStep.Held or DeploymentStep.Canary or DeploymentStep.Switch or DeploymentStep.Verify or DeploymentStep.Drain
            || Confirming(d));

    /// <summary>
    /// Whether <paramref name="d"/> waits in <see cref="DeploymentStep.Held"/> for an approval it has not had yet, or runs a
    /// canary that an approval would take to 100 % now.
    /// </summary>
    public static bool CanApprove(DeploymentRecord d) =>
        !d.IsFinished && d.Step is DeploymentStep.Held or DeploymentStep.Canary && d.PendingOutcome == DeploymentOutcome.Succeeded && !d.AbortRequested && d.ApprovedAt is null;

    /// <summary>The approver a held deployment records when its auto-approve time passed.</summary>
    public const string AutoApprover = "auto-approve";

    /// <summary>
    /// How long until time alone can move <paramref name="d"/> on: its step's deadline, or the end of the confirm window
    /// after the switch; null when only a change on the proxies (or an instance) can. A waiting deployment is stepped
    /// again when a proxy reports a change, and no later than this.
    /// </summary>
    public TimeSpan? TimeToNextCheck(DeploymentRecord d)
    {
        TimeSpan? left = null;
        if (d.StepDeadline is { } deadline)
        {
            var budget = deadline - d.StepStartedAt;
            left = budget - _clock.Since(d.Id, d.StepStartedAt, budget);
        }

        if (Confirming(d))
        {
            var switched = d.Proxies.Select(p => p.SwitchedAt).Where(at => at is not null).Max() ?? d.StepStartedAt;
            var window = _confirmWindow - _clock.Since(d.Id, switched);
            left = left is { } l && l < window ? l : window;
        }

        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    /// <summary>A new deployment, at its first step.</summary>
    public DeploymentRecord Create(long id, string service, DeploymentKind kind, Colour from, Colour target, string version, bool provisionTarget, ResolvedOptions options)
    {
        var now = _clock.Stamp(id);
        var record = new DeploymentRecord
        {
            Id = id,
            Service = service,
            Kind = kind,
            From = from,
            Target = target,
            Version = version,
            ProvisionTarget = provisionTarget,
            Options = options,
            CreatedAt = now,
            StepStartedAt = now,
            Step = DeploymentStep.Provision,
            RetireColour = target,
            Proxies = environment.Proxies.Select(p => new ProxyProgress { ProxyId = p }).ToImmutableList(),
        };
        return Event(record, null, $"{kind} of {version} to {target.Name()} (live: {from.Name()}) on {environment.Proxies.Count} proxies");
    }

    private async Task<DeploymentRecord> ProvisionAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (d.ProvisionTarget)
        {
            try
            {
                await environment.ProvisionAsync(d.Target, d.Version, cancellationToken);
                d = Event(d, null, $"{d.Target.Name()} instances started with {d.Version}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Begin(d with { PendingOutcome = DeploymentOutcome.Failed, Error = $"provisioning {d.Target.Name()} failed: {e.Message}" },
                    DeploymentStep.Retire, d.Target, "provisioning failed: retiring the target");
            }
        }

        // A server can show a stale UP for seconds after its instance died: force DOWN, so only a check that runs
        // from now on can bring it UP.
        foreach (var failed in (await environment.ForceRecheckAsync(d.Target, cancellationToken)).Where(r => !r.Succeeded))
        {
            d = Event(d, failed.ProxyId, $"could not force a fresh check: {failed.Error}");
        }

        return Begin(d, DeploymentStep.AwaitHealthy, d.Target, $"waiting until {d.Target.Backend(d.Service)} is UP on every proxy", d.Options.HealthTimeout);
    }

    private async Task<DeploymentRecord> AwaitHealthyAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        var reports = await environment.ReadBackendAsync(d.Target, cancellationToken);
        d = Progress(d, reports, r => p => p with { Health = Summary(r), Healthy = r.AllUp });
        if (reports.Count == environment.Proxies.Count && reports.All(r => r.AllUp))
        {
            if (d.Hold && d.ApprovedAt is null)
            {
                // Held only once every proxy sees the target UP: the preview never answers from a colour not ready.
                var held = Begin(d, DeploymentStep.Held, d.Target,
                    $"{d.Target.Backend(d.Service)} is UP on every proxy; held for approval (bluegreen approve {d.Service}){(d.AutoApproveAfter is { } after ? $", approved by itself in {Seconds(after)}" : string.Empty)}",
                    d.AutoApproveAfter);
                return held with { HeldAt = held.StepStartedAt, AutoApproveAt = held.StepDeadline };
            }

            if (d.IsCanary && d.CanaryIndex < d.Canary.Count && d.ApprovedAt is null)
            {
                return BeginCanaryStep(d, d.CanaryIndex, $"{d.Target.Backend(d.Service)} is UP on every proxy");
            }

            return Begin(d, DeploymentStep.Switch, d.Target, $"{d.Target.Backend(d.Service)} is UP on every proxy");
        }

        // An instance that already exited will never turn UP: say why now instead of at the deadline.
        if (await environment.ExitedInstancesAsync(d.Target, cancellationToken) is { Count: > 0 } exited)
        {
            foreach (var exit in exited)
            {
                d = Event(d, null, $"{exit.Name} {Exited(exit)}{(exit.Output.Count == 0 ? string.Empty : ": " + string.Join(" ⏎ ", exit.Output))}");
            }

            var first = exited[0];
            return Begin(d with { PendingOutcome = DeploymentOutcome.RolledBack, Error = $"{first.Name} {Exited(first)} before it was healthy{(first.Output.Count == 0 ? string.Empty : ": " + first.Output[^1])}" },
                DeploymentStep.Retire, d.Target, "an instance of the target died: rolling back, the live colour keeps serving");
        }

        if (DeadlinePassed(d))
        {
            var notUp = string.Join(", ", reports.Where(r => !r.AllUp).Select(r => $"{r.ProxyId} ({Summary(r)})"));
            return Begin(d with { PendingOutcome = DeploymentOutcome.RolledBack, Error = $"{d.Target.Name()} not healthy within {Seconds(d.Options.HealthTimeout)} on: {notUp}" },
                DeploymentStep.Retire, d.Target, "health deadline passed: rolling back, the live colour keeps serving");
        }

        return d;
    }

    /// <summary>
    /// Held: sets the preview once (on every proxy, the target being UP on all), then waits for an approval (recorded by
    /// the service), the auto-approve deadline, or an abort (honoured before the step runs). Nothing is read or written
    /// while it waits: the record changes only when one of those comes.
    /// </summary>
    private async Task<DeploymentRecord> HeldAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (!d.PreviewSet)
        {
            var results = await environment.SetPreviewAsync(d.Target, cancellationToken);
            foreach (var failed in results.Where(r => !r.Succeeded))
            {
                d = Event(d, failed.ProxyId, $"preview not set yet: {failed.Error}; the proxy keeps it desired and sets it once HAProxy answers");
            }

            d = Event(d with { PreviewSetAt = time.GetUtcNow() }, null, $"preview live: requests for {d.Service} with header {PreviewRoute.Header}: {d.Service} or cookie {PreviewRoute.Cookie}={d.Service} go to {d.Target.Name()}; all other traffic stays on {d.From.Name()}");
        }

        if (d.ApprovedAt is null && DeadlinePassed(d))
        {
            d = d with { ApprovedBy = AutoApprover, ApprovedAt = time.GetUtcNow() };
        }

        return d.ApprovedAt is null
            ? d
            : Begin(d, DeploymentStep.Switch, d.Target, $"approved by {d.ApprovedBy} at {d.ApprovedAt:yyyy-MM-dd HH:mm:ss} UTC: switching to {d.Target.Name()}");
    }

    /// <summary>Removes the preview once it is set (at the switch, or when the target is retired); a failure is noted, the proxy keeps the removal desired.</summary>
    private async Task<DeploymentRecord> ClearPreviewAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (!d.PreviewSet)
        {
            return d;
        }

        var results = await environment.RemovePreviewAsync(cancellationToken);
        foreach (var failed in results.Where(r => !r.Succeeded))
        {
            d = Event(d, failed.ProxyId, $"preview not removed yet: {failed.Error}; the proxy keeps the removal desired");
        }

        return Event(d with { PreviewSetAt = null }, null, "preview removed");
    }

    private static string Exited(InstanceExit exit) => exit.ExitCode is { } code ? $"exited with code {code}" : "is not running";

    private async Task<DeploymentRecord> SwitchAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        // A canary called the before_switch hooks before its first weight: live traffic has reached the target since.
        (d, var vetoed) = await BeforeSwitchAsync(d, callHooks: d.CanaryWeight is null, cancellationToken);
        if (vetoed)
        {
            return d;
        }

        // The health seen at AwaitHealthy may be old (a deployment resumed here after a crash, or a slow write between
        // the steps): switch only to a target that is UP on every proxy now.
        var health = await environment.ReadBackendNowAsync(d.Target, cancellationToken);
        if (health.Count != environment.Proxies.Count || !health.All(r => r.AllUp))
        {
            d = Progress(d, health, r => p => p with { Health = Summary(r), Healthy = r.AllUp });
            var notUp = string.Join(", ", health.Where(r => !r.AllUp).Select(r => $"{r.ProxyId} ({Summary(r)})"));
            return Begin(d, DeploymentStep.AwaitHealthy, d.Target,
                $"{d.Target.Backend(d.Service)} is no longer UP on every proxy ({notUp}): waiting again before the switch", d.Options.HealthTimeout);
        }

        var started = time.GetTimestamp();
        var results = await environment.SwitchAsync(d.Target, null, cancellationToken);
        d = Progress(d, results, r => p => p with { SwitchedAt = r.CompletedAt, Error = r.Error });
        foreach (var r in results)
        {
            d = Event(d, r.ProxyId, r.Succeeded ? $"switched to {d.Target.Backend(d.Service)}" : $"switch failed: {r.Error}");
        }

        // After the switch: everyone reaches the target now, so the preview is no longer needed (and a failed switch
        // retires the target). Not a token of the step's: a switch is never cut half-way.
        d = await ClearPreviewAsync(d, CancellationToken.None);

        var failed = results.Where(r => !r.Succeeded).ToList();
        if (failed.Count == 0 && results.Count == environment.Proxies.Count)
        {
            var times = results.Select(r => r.CompletedAt!.Value).ToList();
            // The skew compares the proxies' own stamps; the duration is this process's, on the monotonic clock.
            var skew = times.Max() - times.Min();
            // Traffic had moved everywhere when the last proxy confirmed; the step goes on once every proxy saved it too.
            var saved = time.GetElapsedTime(started);
            var confirmed = results.Select(r => r.ConfirmedAfter).Max();
            d = d with { SwitchSkew = skew, SwitchDuration = confirmed ?? saved, SwitchSavedDuration = saved };

            // A canary's split: both its sides are the target now, so one a proxy could not drop yet is harmless (the
            // proxy keeps the removal desired).
            (d, _) = await ClearCanaryAsync(d, CancellationToken.None);

            // Anchored now: the confirm window after the switch counts on the monotonic clock from here.
            _clock.Since(d.Id, times.Max());
            if (d.Options.VerifyWindow > TimeSpan.Zero)
            {
                d = await BaselineAsync(d, cancellationToken);
                return Begin(await NotifyAsync(d, HookRules.AfterSwitch, cancellationToken), DeploymentStep.Verify, d.Target, $"fleet switched (skew {Ms(skew)}); analysing {AnalysedFigures(d.Options)}", d.Options.VerifyWindow);
            }

            return Begin(await NotifyAsync(d, HookRules.AfterSwitch, cancellationToken), DeploymentStep.Drain, d.From, $"fleet switched (skew {Ms(skew)}); draining {d.From.Name()}", d.Options.DrainTimeout);
        }

        // All or nothing: put back every proxy, not only those that confirmed. A failure may hide a switch that took
        // effect (HAProxy's reply or the grain call timed out after set map), and the target is retired only once
        // every proxy is confirmed back.
        var error = $"switch failed on {string.Join(", ", failed.Select(f => f.ProxyId))}";
        var reverted = await environment.SwitchAsync(d.From, null, cancellationToken);
        foreach (var r in reverted)
        {
            d = Event(d, r.ProxyId, r.Succeeded ? $"reverted to {d.From.Backend(d.Service)}" : $"REVERT FAILED: {r.Error}");
        }

        return AfterRevert(d with { PendingOutcome = DeploymentOutcome.Failed, Error = error }, reverted);
    }

    /// <summary>
    /// The analysis after the switch: the target's 5xx ratio, its connection and response errors, and its response time,
    /// per proxy and over the fleet, since each proxy's baseline. The first figure over its limit rolls back, naming the
    /// figure and the proxy; the record keeps the figures of every read (<see cref="DeploymentRecord.Analysis"/>).
    /// </summary>
    private async Task<DeploymentRecord> VerifyAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        var (analysed, fleet, breach) = Analyse(d, await environment.ReadBackendAsync(d.Target, cancellationToken));
        if (breach is { } b)
        {
            return Begin(analysed with { PendingOutcome = DeploymentOutcome.RolledBack, Error = b.Error },
                DeploymentStep.Revert, d.Target, $"{b.Figure} over the limit{b.Where}: switching back to {d.From.Name()}");
        }

        return DeadlinePassed(analysed)
            ? Begin(analysed, DeploymentStep.Drain, d.From, $"verified: {Describe(fleet)}; draining {d.From.Name()}", d.Options.DrainTimeout)
            : analysed;
    }

    /// <summary>
    /// One read of the analysis: the target's figures per proxy and over the fleet since each proxy's baseline, kept in
    /// the record, and the first figure over its limit (judged per proxy too: a proxy that serves only 5xx is not hidden
    /// by a busier one that serves none).
    /// </summary>
    private (DeploymentRecord Record, AnalysisFigures Fleet, (string Figure, string Error, string Where)? Breach) Analyse(DeploymentRecord d, IReadOnlyList<BackendReport> reports)
    {
        var seen = new List<AnalysisFigures>();
        foreach (var r in reports.Where(r => r.Reachable))
        {
            var (figures, rebased) = SinceBaseline(d, r);
            d = rebased;
            seen.Add(figures);
        }

        var fleet = Fleet(seen, time.GetUtcNow());
        var read = seen.Select(f => f.ProxyId).ToHashSet(StringComparer.Ordinal);
        d = d with { Analysis = [.. d.Analysis.Where(f => f.ProxyId is not null && !read.Contains(f.ProxyId)), .. seen, fleet] };
        foreach (var figures in seen.Append(fleet))
        {
            if (Breach(d, figures, seen) is { } breach)
            {
                return (d, fleet, (breach.Figure, breach.Error, figures.ProxyId is null ? string.Empty : $" on {figures.ProxyId}"));
            }
        }

        return (d, fleet, null);
    }

    /// <summary>The analysis window opens: the target's counters on every proxy read now are its baseline.</summary>
    private async Task<DeploymentRecord> BaselineAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        // A proxy unreachable now has no baseline yet: it gets one at its first read in the window.
        var baseline = (await environment.ReadBackendAsync(d.Target, cancellationToken)).Where(r => r.Reachable).ToList();
        return d with
        {
            VerifyBaseline5xx = baseline.ToImmutableDictionary(r => r.ProxyId, Http5xx),
            VerifyBaselineResponses = baseline.ToImmutableDictionary(r => r.ProxyId, Responses),
            VerifyBaselineServerErrors = baseline.ToImmutableDictionary(r => r.ProxyId, ServerErrors),
            VerifyBaselineAt = baseline.ToImmutableDictionary(r => r.ProxyId, r => r.ReadAt),
            Analysis = [],
        };
    }

    private static string AnalysedFigures(ResolvedOptions o) =>
        o.MaxResponseTime > TimeSpan.Zero ? "the 5xx rate, server errors and response time" : "the 5xx rate and server errors";

    /// <summary>
    /// The first figure over its limit: its name, and the record's error (how much, where, the limit). Over the fleet,
    /// the error also names the proxy worst on that figure.
    /// </summary>
    private static (string Figure, string Error)? Breach(DeploymentRecord d, AnalysisFigures f, List<AnalysisFigures> proxies)
    {
        var where = f.ProxyId is null ? " across the fleet" : $" on {f.ProxyId}";
        string Worst(Func<AnalysisFigures, double> figure, Func<AnalysisFigures, string> shown) =>
            f.ProxyId is null && proxies.Where(p => p.Responses > 0).MaxBy(figure) is { } worst ? $"; worst {worst.ProxyId}, {shown(worst)}" : string.Empty;
        var o = d.Options;
        if (OverLimit(f.Http5xx, f.Responses, o.MaxErrorRatio))
        {
            return ("5xx rate", $"{f.Http5xx} of {f.Responses} responses were 5xx{where} (limit {o.MaxErrorRatio:P1}{Worst(p => p.ErrorRatio, p => $"{p.Http5xx} of {p.Responses}")})");
        }

        if (f.ServerErrors > 0 && f.ServerErrorRatio > o.MaxServerErrorRatio)
        {
            return ("server error rate", $"{f.ServerErrors} of {f.Responses + f.ServerErrors} requests to {d.Target.Backend(d.Service)} were connection or response errors{where} (limit {o.MaxServerErrorRatio:P1}{Worst(p => p.ServerErrorRatio, p => $"{p.ServerErrors} of {p.Responses + p.ServerErrors}")})");
        }

        if (o.MaxResponseTime > TimeSpan.Zero && f.Responses >= MinResponsesForTime && f.ResponseTimeMs is { } rtime && rtime > o.MaxResponseTime.TotalMilliseconds)
        {
            return ("response time", $"response time {rtime:0} ms over {f.Responses} responses{where} (limit {Ms(o.MaxResponseTime)}; HAProxy's rtime of {d.Target.Backend(d.Service)}{Worst(p => p.ResponseTimeMs ?? 0, p => $"{p.ResponseTimeMs:0} ms")})");
        }

        return null;
    }

    private static string Describe(AnalysisFigures f) =>
        $"{f.Http5xx} 5xx in {f.Responses} responses, {f.ServerErrors} server errors{(f.ResponseTimeMs is { } rtime ? $", response time {rtime:0} ms" : string.Empty)}";

    private static bool OverLimit(long errors, long responses, double limit) => responses > 0 && (double)errors / responses > limit;

    /// <summary>
    /// The backend's counters: its own row where it was read (HAProxy's own 503s when no server is up are counted there
    /// and on no server), else the sum of its servers'.
    /// </summary>
    private static long Http5xx(BackendReport r) => r.Totals?.Http5xx ?? r.Servers.Sum(s => s.Http5xx);

    private static long Responses(BackendReport r) => r.Totals?.Responses ?? r.Servers.Sum(s => s.Responses);

    private static long ServerErrors(BackendReport r) =>
        r.Totals is { } t ? t.ConnectionErrors + t.ResponseErrors : r.Servers.Sum(s => s.ConnectionErrors + s.ResponseErrors);

    /// <summary>
    /// A proxy's times: its servers' averages weighted by their responses (a server that never answered has none), or
    /// null when no server has answered.
    /// </summary>
    private static (double? Response, double? Total) Times(BackendReport r)
    {
        var answered = r.Servers.Where(s => s.Responses > 0).ToList();
        var weight = answered.Sum(s => (double)s.Responses);
        return weight == 0
            ? (null, null)
            : (answered.Sum(s => s.ResponseTimeMs * (double)s.Responses) / weight, answered.Sum(s => s.TotalTimeMs * (double)s.Responses) / weight);
    }

    /// <summary>
    /// The fleet's figures: the proxies' counts summed, their times weighted by the responses in the window, and only
    /// when every proxy that counted responses has a time (else the fleet's would speak for fewer responses than it counts).
    /// </summary>
    private static AnalysisFigures Fleet(List<AnalysisFigures> proxies, DateTimeOffset at)
    {
        var answered = proxies.Where(p => p.Responses > 0).ToList();
        var timed = answered.All(p => p.ResponseTimeMs is not null) ? answered : [];
        var weight = timed.Sum(p => (double)p.Responses);
        return new AnalysisFigures
        {
            At = at,
            Responses = proxies.Sum(p => p.Responses),
            Http5xx = proxies.Sum(p => p.Http5xx),
            ServerErrors = proxies.Sum(p => p.ServerErrors),
            ResponseTimeMs = weight == 0 ? null : timed.Sum(p => p.ResponseTimeMs!.Value * p.Responses) / weight,
            TotalTimeMs = weight == 0 ? null : timed.Sum(p => p.TotalTimeMs!.Value * p.Responses) / weight,
        };
    }

    /// <summary>
    /// One proxy's figures since its baseline. A proxy without one (unreachable when the window opened) gets it now and
    /// counts nothing yet, rather than its lifetime counters; a worker that started after the baseline (a reload or a
    /// restart: its counters start at zero, or counters that went down) counts from zero, not as a negative delta, and
    /// its baseline moves to its start.
    /// </summary>
    private (AnalysisFigures Figures, DeploymentRecord Record) SinceBaseline(DeploymentRecord d, BackendReport r)
    {
        var current5xx = Http5xx(r);
        var currentResponses = Responses(r);
        var currentErrors = ServerErrors(r);
        var (rtime, ttime) = Times(r);
        // HAProxy averages the times over each server's last 1,024 responses: they say something about this release only
        // once every one of those came after the baseline (a colour that served before keeps its old responses in them).
        AnalysisFigures Figures(long errors5xx, long responses, long serverErrors)
        {
            var onlyThisRelease = responses > 0 && responses >= Math.Min((long)TimeSamples * r.Servers.Count, currentResponses);
            return new()
            {
                ProxyId = r.ProxyId,
                At = r.ReadAt,
                Http5xx = errors5xx,
                Responses = responses,
                ServerErrors = serverErrors,
                ResponseTimeMs = onlyThisRelease ? rtime : null,
                TotalTimeMs = onlyThisRelease ? ttime : null,
            };
        }

        if (!d.VerifyBaseline5xx.TryGetValue(r.ProxyId, out var base5xx) || !d.VerifyBaselineResponses.TryGetValue(r.ProxyId, out var baseResponses))
        {
            d = Event(d, r.ProxyId, "verify baseline taken now (the proxy was not read when the window opened)");
            return (Figures(0, 0, 0), Rebase(d, r.ProxyId, current5xx, currentResponses, currentErrors, r.ReadAt));
        }

        // A record from before the error counters were kept has no baseline for them: counted from now.
        if (!d.VerifyBaselineServerErrors.TryGetValue(r.ProxyId, out var baseErrors))
        {
            d = d with { VerifyBaselineServerErrors = d.VerifyBaselineServerErrors.SetItem(r.ProxyId, currentErrors) };
            baseErrors = currentErrors;
        }

        // Uptime is whole seconds: only a worker that started more than a second after the baseline is surely new.
        var workerStart = r.WorkerUptime is { } up && r.ReadAt != default ? r.ReadAt - up : (DateTimeOffset?)null;
        var newWorker = workerStart is { } started && d.VerifyBaselineAt.TryGetValue(r.ProxyId, out var at) && started - TimeSpan.FromSeconds(1) > at;
        if (newWorker || current5xx < base5xx || currentResponses < baseResponses || currentErrors < baseErrors)
        {
            d = Event(d, r.ProxyId, "HAProxy's counters restarted (reload or restart) during the verify window: counting from zero");
            return (Figures(current5xx, currentResponses, currentErrors), Rebase(d, r.ProxyId, 0, 0, 0, workerStart ?? r.ReadAt));
        }

        return (Figures(current5xx - base5xx, currentResponses - baseResponses, currentErrors - baseErrors), d);
    }

    private static DeploymentRecord Rebase(DeploymentRecord d, string proxy, long errors, long responses, long serverErrors, DateTimeOffset at) => d with
    {
        VerifyBaseline5xx = d.VerifyBaseline5xx.SetItem(proxy, errors),
        VerifyBaselineResponses = d.VerifyBaselineResponses.SetItem(proxy, responses),
        VerifyBaselineServerErrors = d.VerifyBaselineServerErrors.SetItem(proxy, serverErrors),
        VerifyBaselineAt = d.VerifyBaselineAt.SetItem(proxy, at),
    };

    private async Task<DeploymentRecord> DrainAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (d.PendingOutcome != DeploymentOutcome.Succeeded)
        {
            return await DrainTargetAsync(d, cancellationToken);
        }

        // Read only now, after the switch: sessions counted before it would include traffic still arriving.
        var reports = await environment.ReadDrainAsync(d.From, cancellationToken);

        // The old colour is still running: if the new one died on a proxy, going back beats retiring the only
        // working colour.
        var target = await environment.ReadBackendAsync(d.Target, cancellationToken);
        if (target.FirstOrDefault(TargetDied) is { } dead)
        {
            return Begin(d with { PendingOutcome = DeploymentOutcome.Failed, Error = $"{d.Target.Name()} went down on {dead.ProxyId} during the drain ({Summary(dead)})" },
                DeploymentStep.Revert, d.Target, $"{d.Target.Name()} is down while {d.From.Name()} still runs: switching back");
        }

        foreach (var report in reports)
        {
            d = Observe(d, report);
        }

        var left = reports.Where(r => r.Live.Reachable).Sum(r => r.Sessions);
        if (reports.Count == environment.Proxies.Count && reports.All(r => Drained(r, d.Proxies.Find(p => p.ProxyId == r.Live.ProxyId))))
        {
            return BeginRetireOld(await NotifyAsync(d, HookRules.AfterDrain, cancellationToken), $"{d.From.Name()} drained on every proxy");
        }

        if (DeadlinePassed(d))
        {
            var unreachable = reports.Count(r => !r.Live.Reachable);
            var blind = reports.Where(r => r.Live.Reachable && r.HasMaster && !r.MasterRead).Select(r => r.Live.ProxyId)
                .Concat(d.Proxies.Where(p => p.OldWorkersUnseen).Select(p => p.ProxyId))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return BeginRetireOld(await NotifyAsync(d, HookRules.AfterDrain, cancellationToken), $"drain deadline passed with {left} sessions left"
                + (unreachable > 0 ? $" and {unreachable} proxies unreachable" : string.Empty)
                + (blind.Count > 0 ? $"; old workers not seen on {string.Join(", ", blind)}" : string.Empty));
        }

        return d;
    }

    /// <summary>
    /// Drained on one proxy: no session to the old colour on the live worker, nor on any other worker. With a master
    /// CLI the other workers are counted (an unreadable master proves nothing); without one, a proxy whose worker
    /// changed after the switch may have an old worker still carrying requests that nothing can count.
    /// </summary>
    private static bool Drained(DrainReport r, ProxyProgress? p) =>
        r.Live.Reachable && r.Sessions == 0 && (r.HasMaster ? r.MasterRead : p is { OldWorkersUnseen: false });

    /// <summary>
    /// One proxy's drain read against what the drain saw before: a new master is a full restart (the sessions open at
    /// the last read died with it); a new worker under the same master is a reload (its old worker is counted through
    /// the master CLI); a new worker without a master CLI could be either, and hides the old worker's sessions.
    /// </summary>
    private DeploymentRecord Observe(DeploymentRecord d, DrainReport r)
    {
        var index = d.Proxies.FindIndex(p => p.ProxyId == r.Live.ProxyId);
        if (index < 0 || !r.Live.Reachable)
        {
            // Unreachable: nothing new is known; the last count stays, so a restart seen on its return knows what was open.
            return d;
        }

        var p = d.Proxies[index];
        var from = d.From.Name();
        var now = r.Live.ReadAt;
        if (r.MasterRead)
        {
            // Uptime is whole seconds: only a master that started more than a second after the switch is a restart after it.
            var restarted = p.MasterPid is { } before
                ? before != r.MasterPid
                : p.SwitchedAt is { } switched && r.MasterUptime is { } up && now - up - TimeSpan.FromSeconds(1) > switched;
            if (restarted)
            {
                long? lost = p.MasterPid is null ? null : p.SessionsLeft ?? 0;
                d = Event(d, p.ProxyId, lost switch
                {
                    null => $"HAProxy restarted after the switch (master {r.MasterPid} up {Seconds(r.MasterUptime ?? TimeSpan.Zero)}): requests to {from} open then died with it; the drain is not clean",
                    0 => $"HAProxy restarted (master {p.MasterPid} → {r.MasterPid}); no session to {from} was open at the last read",
                    _ => $"HAProxy restarted (master {p.MasterPid} → {r.MasterPid}): the {lost} sessions to {from} open at the last read died with it; the drain is not clean",
                });
                p = p with
                {
                    RestartedAt = p.RestartedAt ?? now,
                    SessionsLost = p.RestartedAt is null ? lost : p.SessionsLost is { } earlier && lost is { } more ? earlier + more : null,
                };
            }
            else if (p.WorkerPid is { } oldWorker && r.WorkerPid is { } newWorker && oldWorker != newWorker)
            {
                d = Event(d, p.ProxyId, $"HAProxy reloaded (worker {oldWorker} → {newWorker}); {r.OtherSessions} sessions to {from} on old workers, counted through the master CLI");
            }
        }
        else if (!r.HasMaster && !p.OldWorkersUnseen)
        {
            // Uptime is whole seconds: a worker that may have started after the switch counts as new.
            var changed = (p.WorkerPid is { } oldWorker && r.WorkerPid is { } newWorker && oldWorker != newWorker)
                || (p.SwitchedAt is { } switched && r.WorkerUptime is { } up && now - up > switched);
            if (changed)
            {
                p = p with { OldWorkersUnseen = true };
                d = Event(d, p.ProxyId,
                    $"HAProxy worker {(p.WorkerPid is { } w && w != r.WorkerPid ? $"{w} → " : string.Empty)}{r.WorkerPid} started after the switch (a reload or a restart): without a master CLI (proxy add --master-api) " +
                    $"the old worker's sessions to {from} cannot be counted, so this proxy waits for the drain deadline");
            }
        }

        if (r.HasMaster && !r.MasterRead && p.Error is null)
        {
            d = Event(d, p.ProxyId, $"{r.MasterError ?? "master CLI not read"}: old workers cannot be counted; not drained here until it answers or the deadline passes");
        }

        // A master that did not answer leaves the count incomplete, and maybe of another HAProxy (one restarting): the
        // last complete count stays, so a restart seen at the master's next answer knows what was open before it.
        var complete = !r.HasMaster || r.MasterRead;
        p = p with
        {
            SessionsLeft = complete ? r.Sessions : p.SessionsLeft ?? r.Sessions,
            OldWorkerSessions = r.MasterRead ? r.OtherSessions : null,
            WorkerPid = r.WorkerPid ?? p.WorkerPid,
            MasterPid = r.MasterRead ? r.MasterPid : p.MasterPid,
            Error = r.HasMaster && !r.MasterRead ? r.MasterError ?? "master CLI not read" : null,
        };
        return d with { Proxies = d.Proxies.SetItem(index, p) };
    }

    /// <summary>
    /// Every target server DOWN on a proxy whose checks have settled. "UP 1/2" (one failed check) still serves; and a
    /// worker younger than <see cref="ChecksSettle"/> is not believed alone: HAProxy starts each server one failed check
    /// away from DOWN, so one slow check right after a proxy restart or reload marks a healthy colour DOWN on that proxy
    /// for a few checks. Switching the whole fleet back for that would fail a good release; a colour that really died is
    /// DOWN on the settled proxies too, and on a restarted one once it has settled.
    /// </summary>
    private static bool TargetDied(BackendReport r) =>
        r.Reachable && r.Servers.Count > 0 && r.Servers.All(s => s.IsDown) && !(r.WorkerUptime < ChecksSettle);

    private DeploymentRecord BeginRetireOld(DeploymentRecord d, string message) =>
        d.Options.KeepWarm > TimeSpan.Zero
            ? Finish(Event(d, null, $"{message}; {d.From.Name()} kept warm for {Seconds(d.Options.KeepWarm)}"), DeploymentOutcome.Succeeded)
            : Begin(d, DeploymentStep.Retire, d.From,
                $"{message}; retiring {d.From.Name()} once {d.Target.Name()} has been UP on every proxy for {Seconds(_confirmWindow)} after the switch",
                d.Options.HealthTimeout + _confirmWindow);

    /// <summary>
    /// Retiring the old colour after a switch that stands, while the target is being confirmed (the old colour can still
    /// take over). The confirmation ends by clearing the step's deadline, in a turn of its own: the old colour is stopped
    /// only in the next one, once the confirmed record is stored, so an abort is either accepted before it (and honoured)
    /// or refused.
    /// </summary>
    private static bool Confirming(DeploymentRecord d) =>
        d.Step == DeploymentStep.Retire && d.RetireColour == d.From && d.PendingOutcome == DeploymentOutcome.Succeeded && !d.Retired
        && d.StepDeadline is not null;

    /// <summary>
    /// Before the old colour stops: the target UP on every reachable proxy, read now, and for the confirm window after the
    /// switch. Confirmed: the record without its deadline (the old colour is stopped in the next turn). Otherwise the
    /// record, waiting, or switching back when the target went DOWN on a proxy whose checks have settled, or was still
    /// not UP everywhere at the step's deadline. An unreachable proxy can tell nothing (the drain has already waited for
    /// it) and is not waited for.
    /// </summary>
    private async Task<DeploymentRecord> ConfirmTargetAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        var reports = await environment.ReadBackendAsync(d.Target, cancellationToken);
        d = Progress(d, reports, r => p => p with { Health = Summary(r), Healthy = r.AllUp });
        if (reports.FirstOrDefault(TargetDied) is { } dead)
        {
            return Begin(d with { PendingOutcome = DeploymentOutcome.Failed, Error = $"{d.Target.Name()} went down on {dead.ProxyId} after the switch ({Summary(dead)})" },
                DeploymentStep.Revert, d.Target, $"{d.Target.Name()} is down while {d.From.Name()} still runs: switching back");
        }

        var switched = d.Proxies.Select(p => p.SwitchedAt).Where(at => at is not null).Max() ?? d.StepStartedAt;
        var sinceSwitch = _clock.Since(d.Id, switched);
        var notUp = reports.Where(r => r.Reachable && !r.AllUp).ToList();
        if (notUp.Count == 0 && sinceSwitch >= _confirmWindow)
        {
            return Event(d with { StepDeadline = null }, null, $"{d.Target.Name()} UP on every reachable proxy {Seconds(sinceSwitch)} after the switch");
        }

        if (DeadlinePassed(d))
        {
            var where = string.Join(", ", notUp.Select(r => $"{r.ProxyId} ({Summary(r)})"));
            return Begin(d with { PendingOutcome = DeploymentOutcome.Failed, Error = $"{d.Target.Name()} not confirmed UP after the switch on: {where}" },
                DeploymentStep.Revert, d.Target, $"{d.Target.Name()} not confirmed UP while {d.From.Name()} still runs: switching back");
        }

        return d;
    }

    private async Task<DeploymentRecord> RevertAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        var results = await environment.SwitchAsync(d.From, null, cancellationToken);
        foreach (var r in results)
        {
            d = Event(d, r.ProxyId, r.Succeeded ? $"reverted to {d.From.Backend(d.Service)}" : $"REVERT FAILED: {r.Error}");
        }

        // A canary's split: removed too, and its target drained before it stops (its clients were live traffic).
        var canaryLive = d.CanaryWeight is not null;
        (d, var splitLeft) = await ClearCanaryAsync(d, cancellationToken);
        return AfterRevert(d, results, splitLeft, drainTarget: canaryLive);
    }

    /// <summary>
    /// Retires the target once every proxy is back (drained first when <paramref name="drainTarget"/>: it carried a
    /// canary's share of live requests); otherwise keeps it running, since a proxy may still route to it.
    /// </summary>
    /// <param name="splitLeft">The proxies that could not remove a canary's split.</param>
    private DeploymentRecord AfterRevert(DeploymentRecord d, IReadOnlyList<SwitchResult> reverted, IReadOnlyList<string>? splitLeft = null, bool drainTarget = false)
    {
        var stuck = reverted.Where(r => !r.Succeeded).Select(r => r.ProxyId).ToList();
        splitLeft ??= [];
        if (stuck.Count == 0 && splitLeft.Count == 0)
        {
            return drainTarget
                ? Begin(d, DeploymentStep.Drain, d.Target, $"fleet on {d.From.Name()}; draining {d.Target.Name()} before it stops", d.Options.DrainTimeout)
                : Begin(d, DeploymentStep.Retire, d.Target, $"fleet on {d.From.Name()}; retiring {d.Target.Name()}");
        }

        var what = string.Join("; ", new[]
        {
            stuck.Count > 0 ? $"could not switch back {string.Join(", ", stuck)}" : null,
            splitLeft.Count > 0 ? $"the canary split could not be removed from {string.Join(", ", splitLeft)}" : null,
        }.OfType<string>());
        var error = $"{d.Error}; {what}: {d.Target.Name()} kept running";
        return Finish(Event(d with { Error = error }, null, error), DeploymentOutcome.Failed);
    }

    private async Task<DeploymentRecord> RetireAsync(DeploymentRecord d, CancellationToken cancellationToken)
    {
        if (Confirming(d))
        {
            return await ConfirmTargetAsync(d, cancellationToken);
        }

        // A held release aborted, or rolled back before its switch: no preview may point at a colour being stopped.
        d = await ClearPreviewAsync(d, cancellationToken);

        // Nor a canary's split (a switch failed after one, or the health deadline passed at a canary step): a proxy that
        // could not drop it would send live requests to stopped instances, so the target then keeps running.
        (d, var splitLeft) = await ClearCanaryAsync(d, cancellationToken);
        if (splitLeft.Count > 0 && d.RetireColour == d.Target)
        {
            // Failed, whatever it was ending as: traffic may still reach the target there, and the record says so.
            var kept = $"{(d.Error is null ? string.Empty : d.Error + "; ")}the canary split could not be removed from {string.Join(", ", splitLeft)}: {d.Target.Name()} kept running";
            return Finish(Event(d with { PendingOutcome = DeploymentOutcome.Failed, Error = kept }, null, kept), DeploymentOutcome.Failed);
        }

        try
        {
            await environment.RetireAsync(d.RetireColour, cancellationToken);
            d = Event(d with { Retired = true }, null, $"{d.RetireColour.Name()} instances stopped");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            d = Event(d with { Error = $"{(d.Error is null ? string.Empty : d.Error + "; ")}retiring {d.RetireColour.Name()} failed: {e.Message}" }, null, $"retire failed: {e.Message}");
        }

        return Finish(d, d.PendingOutcome);
    }

    /// <summary>
    /// The step's deadline passed, judged on the monotonic clock: the persisted deadline (wall-clock) gives the step's
    /// budget and, after a resume, what is left of it.
    /// </summary>
    private bool DeadlinePassed(DeploymentRecord d)
    {
        if (d.StepDeadline is not { } deadline)
        {
            return false;
        }

        var budget = deadline - d.StepStartedAt;
        return _clock.Since(d.Id, d.StepStartedAt, budget) >= budget;
    }

    private DeploymentRecord Begin(DeploymentRecord d, DeploymentStep step, Colour colour, string message, TimeSpan? deadline = null)
    {
        var now = _clock.Stamp(d.Id);
        var next = d with
        {
            Step = step,
            StepStartedAt = now,
            StepDeadline = deadline is { } span ? now + span : null,
            RetireColour = step == DeploymentStep.Retire ? colour : d.RetireColour,
        };
        return Event(next, null, message);
    }

    private DeploymentRecord Finish(DeploymentRecord d, DeploymentOutcome outcome)
    {
        var now = time.GetUtcNow();
        var done = d with { Step = DeploymentStep.Done, Outcome = outcome, FinishedAt = now, StepStartedAt = now, StepDeadline = null };
        var cut = d.DrainCut
            ? "; the drain was not clean: " + string.Join(", ", d.Proxies.Where(p => p.SessionsCut).Select(p =>
                $"HAProxy on {p.ProxyId} restarted with {(p.SessionsLost is { } n ? n.ToString(CultureInfo.InvariantCulture) : "an unknown number of")} sessions to {d.From.Name()} open"))
            : string.Empty;
        // The last event is stamped at FinishedAt itself, not a clock read later: the timeline ends where the record does.
        return Event(done, null, $"{outcome} in {Seconds(_clock.Since(d.Id, d.CreatedAt))}{(d.Error is null ? string.Empty : ": " + d.Error)}{cut}", now);
    }

    /// <summary>An event of the service's own about the deployment (a step that failed and is retried, say).</summary>
    public DeploymentRecord Note(DeploymentRecord d, string message) => Event(d, null, message);

    private DeploymentRecord Event(DeploymentRecord d, string? proxy, string message, DateTimeOffset? at = null)
    {
        var sequence = d.Events.Count == 0 ? 1 : d.Events[^1].Sequence + 1;
        var events = d.Events.Add(new DeploymentEvent(sequence, at ?? time.GetUtcNow(), d.Step, proxy, message));
        return d with { Events = events.Count > MaxEvents ? events.RemoveRange(0, events.Count - MaxEvents) : events };
    }

    private static DeploymentRecord Progress<T>(DeploymentRecord d, IEnumerable<T> items, Func<T, Func<ProxyProgress, ProxyProgress>> update)
        where T : notnull
    {
        var proxies = d.Proxies;
        foreach (var item in items)
        {
            var id = item switch { BackendReport b => b.ProxyId, SwitchResult s => s.ProxyId, _ => throw new ArgumentException("unknown item", nameof(items)) };
            var index = proxies.FindIndex(p => p.ProxyId == id);
            if (index >= 0)
            {
                proxies = proxies.SetItem(index, update(item)(proxies[index]));
            }
        }

        return d with { Proxies = proxies };
    }

    private static string Summary(BackendReport r)
    {
        if (!r.Reachable)
        {
            return $"unreachable: {r.Error}";
        }

        if (r.Servers.Count == 0)
        {
            return "no servers";
        }

        var up = r.Servers.Count(s => s.IsUp);
        var down = r.Servers.Where(s => !s.IsUp).Select(s => $"{s.Server} {s.Status}{(s.CheckStatus.Length > 0 ? $" ({s.CheckStatus})" : string.Empty)}");
        return up == r.Servers.Count ? $"UP {up}/{r.Servers.Count}" : $"UP {up}/{r.Servers.Count}: {string.Join(", ", down)}";
    }

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s");

    private static string Ms(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0.###} ms");
}
