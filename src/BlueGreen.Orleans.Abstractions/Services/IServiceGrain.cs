using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Proxies;
using Orleans.Concurrency;

namespace BlueGreen.Orleans.Services;

/// <summary>
/// One service (key: service name). Every mutating command for the service goes through it, so two deployments of
/// one service never interleave: a command that conflicts with the running deployment fails with
/// <see cref="BlueGreenException"/> (<see cref="ErrorCode.FailedPrecondition"/>) naming it. Reads answer at once from what
/// storage last acknowledged, also while a step of a deployment runs.
/// </summary>
[Alias("bluegreen.IServiceGrain")]
public interface IServiceGrain : IGrainWithStringKey, IBackendWatcher
{
    /// <summary>
    /// Creates or updates the spec and points the route at the live colour on every proxy. A re-apply never flips a
    /// route: when the proxies serve the other colour than the record's live one, it is refused, nothing saved, unless
    /// <paramref name="adoptServed"/>, which records the served colour as live instead.
    /// </summary>
    [Alias("Apply")]
    Task<ServiceInfo> ApplyAsync(ServiceSpec spec, bool adoptServed = false);

    [Alias("Get")]
    [AlwaysInterleave]
    Task<ServiceInfo?> GetAsync();

    /// <summary>
    /// Deletes the service (refused while a deployment runs). First stops and removes both colours' instances through
    /// their runtime, unless <paramref name="keepInstances"/>; when that fails, the service is kept. Routes stay.
    /// </summary>
    [Alias("Delete")]
    Task DeleteAsync(bool keepInstances);

    /// <summary>
    /// Both colours' instances as their runtime sees them now (those that exist; none for an external colour), with the
    /// version each colour runs or is being deployed with.
    /// </summary>
    [Alias("ListInstances")]
    Task<ImmutableList<InstanceInfo>> ListInstancesAsync();

    /// <summary>
    /// Maintenance mode. Enabled: every proxy of the service answers its route key with 503 and a page saying
    /// <paramref name="message"/> (null: a default one); refused while a deployment runs, and deployments are refused
    /// until it is off. Disabled: every proxy routes the key to the live colour again. Both persist first, then set the
    /// proxies (desired state and map file, so they survive reloads); a proxy that failed keeps the route desired and
    /// its monitor sets it once HAProxy answers (the call then fails with Unavailable naming it).
    /// </summary>
    [Alias("SetMaintenance")]
    Task<ServiceInfo> SetMaintenanceAsync(bool enabled, string? message);

    /// <summary>Starts a release of <paramref name="version"/> on the colour that is not live.</summary>
    [Alias("Release")]
    Task<DeploymentRecord> ReleaseAsync(string version, DeploymentOptions options);

    /// <summary>The recipe's "done": redeploys the other colour with the live version, switches to it, retires the old.</summary>
    [Alias("Promote")]
    Task<DeploymentRecord> PromoteAsync(DeploymentOptions options);

    /// <summary>Switches back to the other colour with its previous version (instant when it was kept warm).</summary>
    [Alias("Rollback")]
    Task<DeploymentRecord> RollbackAsync(DeploymentOptions options);

    /// <summary>
    /// Stops the running deployment and returns the fleet to the colour that was live before it. Marks the record (and
    /// persists the mark) at once, also while a step runs, cuts that step where it can be cut (instances being started,
    /// a wait; never a switch), and the next step carries the abort out.
    /// </summary>
    [Alias("Abort")]
    [AlwaysInterleave]
    Task<DeploymentRecord> AbortAsync();

    /// <summary>
    /// Approves the release held for approval (release --hold): it switches and goes on at its next step, recording the
    /// caller as its approver. Refused (<see cref="ErrorCode.FailedPrecondition"/>, naming its step) when no deployment
    /// is held. Not interleaved with a step: an approval lands between two.
    /// </summary>
    [Alias("Approve")]
    Task<DeploymentRecord> ApproveAsync();

    [Alias("GetDeployment")]
    [AlwaysInterleave]
    Task<DeploymentRecord?> GetDeploymentAsync(long id);

    /// <summary>The history, newest first (bounded), including the running deployment.</summary>
    [Alias("ListDeployments")]
    [AlwaysInterleave]
    Task<ImmutableList<DeploymentRecord>> ListDeploymentsAsync();
}
