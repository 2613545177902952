using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>
/// Canary by weight (release --canary 10,50,100 --step-interval 30s): the deployment engine runs the steps
/// (<see cref="DeploymentStep.Canary"/>); the service checks the request before anything starts, and an approval
/// (<see cref="ApproveAsync"/>) takes a running canary to 100 % at once.
/// </summary>
internal sealed partial class ServiceGrain
{
    /// <summary>
    /// Before a canary release starts: only a release, not held (the canary is its own gate: approve takes it to 100 %),
    /// its weights and interval within the rules, and every proxy with the canary rules. Claims the split's map key.
    /// Null when the release is no canary.
    /// </summary>
    private async Task<(ImmutableList<int> Steps, TimeSpan Interval)?> PrepareCanaryAsync(DeploymentKind kind, DeploymentOptions options)
    {
        if (options.Canary.Count == 0)
        {
            if (options.CanaryStepInterval is not null)
            {
                throw new BlueGreenException(ErrorCode.InvalidArgument, "canary_step_interval: only with canary (release --canary 10,50,100 --step-interval …).");
            }

            return null;
        }

        if (kind != DeploymentKind.Release)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"canary: only a release can be a canary, not a {kind.ToString().ToLowerInvariant()}.");
        }

        // Checked here, before the claim below: the hold's own checks come after it (and pass for a release without hold).
        if (options.Hold || options.AutoApproveAfter is not null)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, "canary: not with hold; a canary is its own gate (bluegreen approve takes it to 100%, bluegreen abort back to the live colour).");
        }

        if (CanaryRules.Steps(options.Canary, out var problem) is not { } steps)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"canary: {problem}; must be {CanaryRules.Description}.");
        }

        var interval = options.CanaryStepInterval ?? CanaryRules.DefaultStepInterval;
        if (!CanaryRules.IsValidStepInterval(interval))
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"canary_step_interval: must be {CanaryRules.StepIntervalDescription}.");
        }

        await ClaimStrategyKeyAsync("a canary release", "canary", CanaryRoute.Key(state.State.Spec!.RouteKey), CanaryRoute.MarkerBackend);
        return ([.. steps], interval);
    }
}
