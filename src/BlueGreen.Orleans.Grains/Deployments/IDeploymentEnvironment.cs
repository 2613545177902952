using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// What the deployment state machine acts on: the service's instances and its proxies. The grain implements it over
/// proxy grains and instance runtimes; unit tests use a fake.
/// </summary>
public interface IDeploymentEnvironment
{
    IReadOnlyList<string> Proxies { get; }

    /// <summary>Creates or recreates every instance of the colour with the version.</summary>
    Task ProvisionAsync(Colour colour, string version, CancellationToken cancellationToken);

    /// <summary>Stops and removes every instance of the colour.</summary>
    Task RetireAsync(Colour colour, CancellationToken cancellationToken);

    /// <summary>Forces the colour's servers DOWN on every proxy: one result per proxy, failed where it could not be reached.</summary>
    Task<IReadOnlyList<SwitchResult>> ForceRecheckAsync(Colour colour, CancellationToken cancellationToken);

    /// <summary>The colour's instances that are not running (exited, or gone), each with its exit code and last output.</summary>
    Task<IReadOnlyList<InstanceExit>> ExitedInstancesAsync(Colour colour, CancellationToken cancellationToken);

    /// <summary>
    /// The colour's backend on every proxy, read in parallel: each proxy's read no older than the poll interval (and
    /// newer than its last forced recheck or route change); the deployment is told when what it read changes.
    /// </summary>
    Task<IReadOnlyList<BackendReport>> ReadBackendAsync(Colour colour, CancellationToken cancellationToken);

    /// <summary>The colour's backend on every proxy, each read started after this call: what a switch decides on.</summary>
    Task<IReadOnlyList<BackendReport>> ReadBackendNowAsync(Colour colour, CancellationToken cancellationToken);

    /// <summary>
    /// The colour's backend on every proxy as a drain must see it, read in parallel: the live worker and, through the
    /// master CLI where registered, every other worker (old workers a reload left running).
    /// </summary>
    Task<IReadOnlyList<DrainReport>> ReadDrainAsync(Colour colour, CancellationToken cancellationToken);

    /// <summary>Routes the service to the colour on the given proxies (all when null), in parallel.</summary>
    Task<IReadOnlyList<SwitchResult>> SwitchAsync(Colour colour, IReadOnlyCollection<string>? proxies, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the preview of a held release on every proxy: requests naming the service (header or cookie) go to the
    /// colour. Desired state and map file first, so a reload keeps it; a proxy that failed keeps it desired.
    /// </summary>
    Task<IReadOnlyList<SwitchResult>> SetPreviewAsync(Colour colour, CancellationToken cancellationToken);

    /// <summary>Removes the preview from every proxy (a proxy that failed keeps the removal desired).</summary>
    Task<IReadOnlyList<SwitchResult>> RemovePreviewAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sets a canary's split on every proxy: <paramref name="weight"/> percent of the service's live traffic goes to the
    /// colour (<see cref="HaProxy.Config.CanaryRoute"/>). Desired state and map file first, so a reload keeps it; a proxy
    /// that failed keeps it desired.
    /// </summary>
    Task<IReadOnlyList<SwitchResult>> SetCanaryAsync(Colour colour, int weight, CancellationToken cancellationToken);

    /// <summary>Removes the canary's split from every proxy (a proxy that failed keeps the removal desired).</summary>
    Task<IReadOnlyList<SwitchResult>> RemoveCanaryAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Calls the service's hooks of <paramref name="hookEvent"/> (one of <see cref="Rules.HookRules.Events"/>) about
    /// <paramref name="deployment"/>, in parallel, each with its timeout and retries: one result per hook, none when the
    /// service has none for the event. Only a cancellation throws.
    /// </summary>
    Task<IReadOnlyList<HookCall>> CallHooksAsync(string hookEvent, DeploymentRecord deployment, CancellationToken cancellationToken);
}
