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
                { Hold: false } => "it was not started with --hold",
                _ => "it is not held (only a release started with --hold waits for an approval, once its target is UP on every proxy)",
            };
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}': deployment {active.Id} ({active.Kind} to {active.Target.Name()} {active.Version}) is at step {active.Step}, not Held: {why}.");
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

        var spec = state.State.Spec!;
        var key = PreviewRoute.Key(spec.RouteKey);
        if (!RuntimeArguments.IsValidName(key))
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"hold: the preview key '{key}' of route key '{spec.RouteKey}' is longer than {RuntimeArguments.MaxNameLength} characters; a held release needs a route key of at most {RuntimeArguments.MaxNameLength - PreviewRoute.KeyPrefix.Length}.");
        }

        if (await ProxyProblemsAsync(spec, PreviewRoute.MarkerBackend) is { Count: > 0 } problems)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not released, nothing was started: a held release needs the preview rules on every proxy, and {string.Join(". ", problems)} (its config predates preview: render it again with 'bluegreen haproxy config' and reload HAProxy).");
        }

        if (await Catalog.ClaimRouteKeyAsync(key, Name) is { } owner && owner != Name)
        {
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"service '{Name}' was not released: '{key}', the map key of its preview, is the route key of service '{owner}'.");
        }

        return true;
    }

    /// <summary>Gives the preview's map key back once a held release has ended (best effort: a claim left only blocks that key).</summary>
    private async Task ReleasePreviewKeyAsync(DeploymentRecord d)
    {
        if (d.Hold && state.State.Spec is { } spec)
        {
            await Catalog.ReleaseRouteKeyAsync(PreviewRoute.Key(spec.RouteKey), Name);
        }
    }
}
