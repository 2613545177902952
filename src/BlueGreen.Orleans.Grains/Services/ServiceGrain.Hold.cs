using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>
/// Hold for approval (release --hold): the deployment waits in <see cref="DeploymentStep.Held"/> once the target is UP on
/// every proxy, with a preview route to it (<see cref="PreviewRoute"/>), until <see cref="ApproveAsync"/>, an abort, or
/// its auto-approve time. The engine sets and removes the preview through the proxies' apply path (desired state and
/// map file first), so a reload or a restart keeps it; the record keeps the hold, so a crash does too.
/// </summary>
internal sealed partial class ServiceGrain
{
    public async Task<DeploymentRecord> ApproveAsync()
    {
        RequireSpec();
        if (state.State.Active is not { } active)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' has no deployment in progress, so none is held for approval.");
        }

        if (!DeploymentEngine.CanApprove(active))
        {
            var why = active switch
            {
                { ApprovedAt: { } at } => $"it was approved already by {active.ApprovedBy} at {at:yyyy-MM-dd HH:mm:ss} UTC",
                { AbortRequested: true } => $"it is being aborted (by {active.AbortRequestedBy})",
                { Hold: false, IsCanary: false } => "it was not started with --hold or --canary",
                { IsCanary: true } => "its canary has not started yet or is over (approve takes a running canary to 100%)",
                _ => "it is not held (only a release started with --hold waits for an approval, once its target is UP on every proxy)",
            };
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}': deployment {active.Id} ({active.Kind} to {active.Target.Name()} {active.Version}) is at step {active.Step}, {(active.IsCanary ? "not Canary" : "not Held")}: {why}.");
        }

        var approved = active with { ApprovedBy = Actor.Current, ApprovedAt = time.GetUtcNow() };
        var saved = state.State;
        state.State = state.State with { Active = approved };
        await PersistForCallerAsync(saved);
        Log.Approved(logger, Name, approved.ToString(), approved.ApprovedBy!);

        // Not interleaved with a step (a command of its own): the next step sees the approval and switches, now.
        _failures = 0;
        ScheduleStep(TimeSpan.Zero);
        return approved;
    }

    /// <summary>
    /// Before a held release starts: only a release holds, the auto-approve time needs a hold, and every proxy must send
    /// preview requests to the target (a config rendered before preview would send them to the live colour, silently).
    /// Claims the preview's map key, so no service's route key can be it. Returns whether it was claimed here.
    /// </summary>
    private async Task<bool> PrepareHoldAsync(DeploymentKind kind, DeploymentOptions options)
    {
        if (options.AutoApproveAfter is { } after)
        {
            if (!options.Hold)
            {
                throw new BlueGreenException(ErrorCode.InvalidArgument, "auto_approve_after: only with hold (release --hold --auto-approve-after …).");
            }

            if (!FieldRules.AutoApproveAfter.IsValid(after))
            {
                throw new BlueGreenException(ErrorCode.InvalidArgument, $"auto_approve_after: must be {FieldRules.AutoApproveAfter.Description}.");
            }
        }

        if (!options.Hold)
        {
            return false;
        }

        if (kind != DeploymentKind.Release)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"hold: only a release can be held for approval, not a {kind.ToString().ToLowerInvariant()}.");
        }

        await ClaimStrategyKeyAsync("a held release", "preview", PreviewRoute.Key(state.State.Spec!.RouteKey), PreviewRoute.MarkerBackend);
        return true;
    }

    /// <summary>
    /// Before a held or canary release starts: every proxy must have the strategy's rules (a config rendered before them
    /// would send every request to the live colour, silently), and the strategy's routes-map key is claimed, so no
    /// service's route key can be it.
    /// </summary>
    private async Task ClaimStrategyKeyAsync(string release, string rules, string key, string markerBackend)
    {
        var spec = state.State.Spec!;
        if (!RuntimeArguments.IsValidName(key))
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"{rules}: the map key '{key}' of route key '{spec.RouteKey}' is longer than {RuntimeArguments.MaxNameLength} characters.");
        }

        if (await ProxyProblemsAsync(spec, markerBackend) is { Count: > 0 } problems)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not released, nothing was started: {release} needs the {rules} rules on every proxy, and {string.Join(". ", problems)} (its config predates them: render it again with 'bluegreen haproxy config' and reload HAProxy).");
        }

        if (await Catalog.ClaimRouteKeyAsync(key, Name) is { } owner && owner != Name)
        {
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"service '{Name}' was not released: '{key}', the map key of its {rules}, is the route key of service '{owner}'.");
        }
    }

    /// <summary>Gives the preview's or the canary's map key back once the release has ended (best effort: a claim left only blocks that key).</summary>
    private async Task ReleaseStrategyKeysAsync(DeploymentRecord d)
    {
        if (state.State.Spec is { } spec)
        {
            if (d.Hold)
            {
                await Catalog.ReleaseRouteKeyAsync(PreviewRoute.Key(spec.RouteKey), Name);
            }

            if (d.IsCanary)
            {
                await Catalog.ReleaseRouteKeyAsync(CanaryRoute.Key(spec.RouteKey), Name);
            }
        }
    }
}
