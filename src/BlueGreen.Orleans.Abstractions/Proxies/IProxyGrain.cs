using System.Collections.Immutable;
using Orleans.Concurrency;

namespace BlueGreen.Orleans.Proxies;

/// <summary>
/// One HAProxy instance (key: proxy id). Its turns serialize every command to that HAProxy over one persistent
/// Runtime API connection; a timer notices restarts, reloads and drift and re-applies the desired routes.
/// </summary>
[Alias("bluegreen.IProxyGrain")]
public interface IProxyGrain : IGrainWithStringKey
{
    [Alias("Register")]
    Task RegisterAsync(ProxyRegistration registration);

    /// <summary>
    /// Registers the proxy in agent mode (or re-issues its credential): only the SHA-256 digest of the new credential
    /// is given and kept; the credential before it stops working and every stream opened with it is cut.
    /// </summary>
    [Alias("RegisterAgent")]
    Task RegisterAgentAsync(ProxyRegistration registration, string credentialDigest);

    /// <summary>Whether a credential digest is this proxy's current one (compared in constant time).</summary>
    [Alias("CheckAgentCredential")]
    [AlwaysInterleave]
    Task<bool> CheckAgentCredentialAsync(string credentialDigest);

    /// <summary>
    /// An agent stream opened with the credential whose digest is given: it becomes the proxy's one stream (any other is
    /// <see cref="AgentVerdict.Superseded"/> at its next report).
    /// </summary>
    [Alias("AgentConnected")]
    [AlwaysInterleave]
    Task<AgentVerdict> AgentConnectedAsync(string credentialDigest, Guid stream, AgentHello hello, IAgentLink link);

    /// <summary>
    /// Pushes the desired routes to the agent when it does not hold their version (a reconnect, a failed push): one
    /// turn like any route change, so a push never interleaves with a switch. Called by the grain itself on a connect,
    /// and by its monitor.
    /// </summary>
    [Alias("SyncAgent")]
    Task SyncAgentAsync();

    /// <summary>What an agent stream reported since its last report (or nothing: a heartbeat); the verdict says whether it goes on.</summary>
    [Alias("AgentReported")]
    [AlwaysInterleave]
    Task<AgentVerdict> AgentReportedAsync(string credentialDigest, Guid stream, AgentReport report);

    /// <summary>The stream ended (the agent left, or it was cut); ignored when another stream is the current one.</summary>
    [Alias("AgentDisconnected")]
    [AlwaysInterleave]
    Task AgentDisconnectedAsync(Guid stream);

    /// <summary>Forgets the proxy. HAProxy itself keeps running with the routes it has.</summary>
    [Alias("Remove")]
    Task RemoveAsync();

    /// <summary>
    /// What this HAProxy lacks to serve a service (its map loaded; each backend with the servers named), read live;
    /// empty when nothing is missing. An unreachable proxy yields one problem saying so.
    /// </summary>
    /// <remarks>
    /// Interleaved: it changes nothing, and reads the monitor's snapshot of the current worker where it can (one
    /// map probe, shared by the checks waiting for it), so a fleet of applies does not queue a turn each in front of switch commands.
    /// </remarks>
    [Alias("CheckService")]
    [AlwaysInterleave]
    Task<ImmutableList<string>> CheckServiceAsync(ImmutableDictionary<string, ImmutableList<string>> backends);

    /// <summary>
    /// What the grain knows and last saw, without any Runtime API I/O; interleaved with a running turn, so it answers
    /// at once even while a command waits on an HAProxy that does not answer.
    /// </summary>
    [Alias("GetStatus")]
    [AlwaysInterleave]
    Task<ProxyStatus> GetStatusAsync();

    /// <summary>
    /// The registration alone (null: not registered), interleaved like <see cref="GetStatusAsync"/>. For callers that
    /// only ask whether and how a proxy is registered: a status carries every backend's servers (2,000 backends: tens of
    /// kilobytes to serialize), and a service's apply asked every proxy of its spec for one.
    /// </summary>
    [Alias("GetRegistration")]
    [AlwaysInterleave]
    Task<ProxyRegistration?> GetRegistrationAsync();

    /// <summary>
    /// The first half of a switch: points a route key at a backend at runtime (<c>set map</c>) and as the desired route
    /// in memory; returns when HAProxy applied it. <see cref="SaveRouteAsync"/> must follow.
    /// </summary>
    /// <param name="version">
    /// The route's desired version, issued by the one service grain that owns the key and growing with every change it
    /// makes. A call older than the version the proxy holds is refused (FailedPrecondition) and changes nothing: a switch
    /// whose caller gave up on it (timed out, then reverted) cannot re-assert an abandoned route when it arrives late.
    /// </param>
    /// <remarks>
    /// Interleaved, so that in agent mode switches arriving together share one push to the agent (group commit); a
    /// direct proxy still runs its switches one at a time, apart from its registration, removal and monitor.
    /// </remarks>
    [Alias("SwitchRoute")]
    [AlwaysInterleave]
    Task<DateTimeOffset> SwitchRouteAsync(string key, string backend, long version);

    /// <summary>
    /// A route set by a spec's apply, not by a deployment: persisted first (grain state and map file, group-committed
    /// with every change that arrives together, as <see cref="SaveRouteAsync"/>), then set at runtime in one pipelined
    /// batch with the other applies' routes. Registering a fleet of services costs a few writes and round trips per
    /// proxy, not a turn each. When HAProxy cannot be reached, the call fails and the route stays desired: the
    /// proxy's monitor applies it once HAProxy answers. Versioned as <see cref="SwitchRouteAsync"/>; returns when
    /// HAProxy holds the route (in agent mode: when the agent acknowledged it).
    /// </summary>
    [Alias("ApplyRoute")]
    [AlwaysInterleave]
    Task<DateTimeOffset> ApplyRouteAsync(string key, string backend, long version);

    /// <summary>
    /// The second half: persists the route (grain state and map file). When that fails, the proxy is put back on the
    /// route it had before the switch and the call fails. Versioned as <see cref="SwitchRouteAsync"/>.
    /// </summary>
    /// <remarks>
    /// Interleaved, so that saves arriving together share one write of the grain state and one of the map file (group
    /// commit; in agent mode one push and one write of the grain state); it returns once the write that carried it
    /// succeeded.
    /// </remarks>
    [Alias("SaveRoute")]
    [AlwaysInterleave]
    Task SaveRouteAsync(string key, string backend, long version);

    /// <summary>
    /// Removes the route; the proxy keeps its version, so a late switch of the key stays refused. Interleaved and group
    /// committed as <see cref="SaveRouteAsync"/>.
    /// </summary>
    [Alias("RemoveRoute")]
    [AlwaysInterleave]
    Task RemoveRouteAsync(string key, long version);

    /// <summary>The routes HAProxy serves right now (<c>show map</c>), read live: what traffic follows, whatever the grain's state says.</summary>
    [Alias("GetServedRoutes")]
    Task<ImmutableDictionary<string, string>> GetServedRoutesAsync();

    /// <summary>
    /// The backend HAProxy serves one route key from right now, or null (read live, as <see cref="GetServedRoutesAsync"/>):
    /// one <c>get map</c> instead of the whole map, which grows with every service the proxy routes.
    /// </summary>
    [Alias("GetServedRoute")]
    Task<string?> GetServedRouteAsync(string key);

    /// <summary>
    /// Forces every server of the backend DOWN so that only a check run from now on can bring it UP. Interleaved: the
    /// rechecks asked while one is under way share the next two round trips (read the servers, set them DOWN).
    /// </summary>
    [Alias("ForceRecheck")]
    [AlwaysInterleave]
    Task ForceRecheckAsync(string backend);

    /// <summary>
    /// Every server of the backend: status, check, sessions and connections in use, 5xx counters, read from HAProxy after
    /// this call; reads that arrive together share one round trip. Interleaved: a read never queues behind a switch.
    /// </summary>
    [Alias("GetBackend")]
    [AlwaysInterleave]
    Task<BackendReport> GetBackendAsync(string backend);

    /// <summary>
    /// <see cref="GetBackendAsync"/>, but answered from memory when read within the poll interval (and after the backend's
    /// last forced recheck or route change); and <paramref name="watcher"/> hears (<see cref="IBackendWatcher.BackendChangedAsync"/>)
    /// when the backend changes, for a few seconds from this call: the proxy reads every watched backend once per poll
    /// interval, in one round trip, however many deployments wait on it.
    /// </summary>
    [Alias("WatchBackend")]
    [AlwaysInterleave]
    Task<BackendReport> WatchBackendAsync(string backend, IBackendWatcher watcher);

    /// <summary>
    /// What a drain needs of one backend: the live worker's report, which worker answered, and — through the master CLI,
    /// when registered — the sessions every other worker (old workers a reload left running) still has to it.
    /// </summary>
    [Alias("GetDrain")]
    [AlwaysInterleave]
    Task<DrainReport> GetDrainAsync(string backend);

    /// <summary><see cref="GetDrainAsync"/>, watching the backend as <see cref="WatchBackendAsync"/> does.</summary>
    [Alias("WatchDrain")]
    [AlwaysInterleave]
    Task<DrainReport> WatchDrainAsync(string backend, IBackendWatcher watcher);
}
