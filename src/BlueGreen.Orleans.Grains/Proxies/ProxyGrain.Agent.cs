using System.Security.Cryptography;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Agent mode: the proxy's HAProxy is reached only through the stream its agent opens at some gateway. The grain keeps
/// the digest of the one credential issued (persisted) and, in memory, which stream is current, the link down it
/// (<see cref="IAgentLink"/>) and what it reported; every report is answered with whether that stream may go on, so a
/// gateway in another process cuts a stream whose credential was re-issued or which another stream replaced within
/// one report interval. Routes and reads through the link: ProxyGrain.AgentRoutes.cs.
/// </summary>
internal sealed partial class ProxyGrain
{
    /// <summary>An agent silent for longer than this counts as not connected (the gateway reports at least every second).</summary>
    internal static readonly TimeSpan AgentSilence = TimeSpan.FromSeconds(10);

    private Guid? _agentStream;
    private IAgentLink? _agentLink;
    private AgentHello? _agentHello;
    private DateTimeOffset? _agentSeenAt;
    private long _agentSeenStamp;
    private long? _agentHeldVersion;
    private DateTimeOffset? _agentSnapshotReadAt;
    private long _agentSnapshotStamp;
    private int? _agentHaProxyPid;

    public async Task RegisterAgentAsync(ProxyRegistration registration, string credentialDigest)
    {
        var errors = ProxyRegistrationValidator.Validate(Id, registration, access.Value);
        if (registration.Mode != ProxyMode.Agent)
        {
            errors = [.. errors, "mode: an agent credential is issued only for a proxy in agent mode."];
        }

        if (!IsDigest(credentialDigest))
        {
            errors = [.. errors, "credential: the digest must be 64 hexadecimal characters."];
        }

        if (errors.Count > 0)
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, string.Join(" ", errors));
        }

        if (state.State.Registration is { Mode: ProxyMode.Direct })
        {
            // Mixing is refused: the server would drive the HAProxy itself and through an agent at once.
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"proxy '{Id}' is registered in direct mode; remove it first.");
        }

        state.State = state.State with { Registration = registration, Registered = Actor.Stamp(time), AgentCredentialDigest = credentialDigest };
        await Commits.ExclusiveAsync(() => state.WriteStateAsync());
        Log.AgentCredentialIssued(_logger, Id, Actor.Current);

        // The stream opened with the old credential is cut at its next report (Revoked); forget it now.
        ForgetAgent();
        StartMonitor();
        await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetCatalogGrain().SetProxyAsync(Id, true);
    }

    public Task<bool> CheckAgentCredentialAsync(string credentialDigest) => Task.FromResult(IsCurrentCredential(credentialDigest));

    public Task<AgentVerdict> AgentConnectedAsync(string credentialDigest, Guid stream, AgentHello hello, IAgentLink link)
    {
        if (!IsCurrentCredential(credentialDigest))
        {
            return Task.FromResult(AgentVerdict.Revoked);
        }

        _agentStream = stream;
        _agentLink = link;
        _agentHello = hello;
        _agentHeldVersion = hello.HeldVersion;
        _agentHaProxyPid = hello.HaProxyPid;
        _agentSnapshotReadAt = null;
        _agentBackends = _agentBackends.Clear();
        SeenAgent();
        Log.AgentConnected(_logger, Id, hello.AgentVersion, hello.HeldVersion);

        // Interleaved here: the resync runs as a turn of its own, queued behind any route change under way.
        this.AsReference<IProxyGrain>().SyncAgentAsync().Ignore();
        return Task.FromResult(AgentVerdict.Current);
    }

    public Task<AgentVerdict> AgentReportedAsync(string credentialDigest, Guid stream, AgentReport report)
    {
        if (!IsCurrentCredential(credentialDigest))
        {
            return Task.FromResult(AgentVerdict.Revoked);
        }

        if (_agentStream != stream)
        {
            return Task.FromResult(AgentVerdict.Superseded);
        }

        SeenAgent();
        if (report.HeldVersion is { } held)
        {
            NoteAgentHolds(held);
        }

        _agentHaProxyPid = report.HaProxyPid ?? _agentHaProxyPid;
        TakeSnapshot(report);
        if (report.SnapshotReadAt is { } readAt)
        {
            // The age is counted on this silo's monotonic clock from when the snapshot arrived (the gateway forwards it
            // at once): the agent's wall clock is another host's, and a skew of seconds must not make it look stale.
            _agentSnapshotReadAt = readAt;
            _agentSnapshotStamp = time.GetTimestamp();
        }

        return Task.FromResult(AgentVerdict.Current);
    }

    public Task AgentDisconnectedAsync(Guid stream)
    {
        if (_agentStream == stream)
        {
            _agentStream = null;
            _agentLink = null;
            Log.AgentDisconnected(_logger, Id);
        }

        return Task.CompletedTask;
    }

    private AgentStatus AgentStatusNow() => new()
    {
        Connected = _agentStream is not null && time.GetElapsedTime(_agentSeenStamp) < AgentSilence,
        AgentVersion = _agentHello?.AgentVersion,
        LastSeenAt = _agentSeenAt,
        HeldVersion = _agentHeldVersion,
        SnapshotReadAt = _agentSnapshotReadAt,
        SnapshotAge = _agentSnapshotReadAt is null ? null : time.GetElapsedTime(_agentSnapshotStamp),
        HaProxyPid = _agentHaProxyPid,
        HaProxyUptimeSeconds = _agentHello?.HaProxyUptimeSeconds,
        HaProxyVersion = _agentHello?.HaProxyVersion,
        DesiredVersion = state.State.AgentRoutesVersion,
    };

    /// <summary>
    /// The version the agent says it holds, from an ack or a report. A report can be taken before a push's own ack
    /// arrives and reach the grain after it: never step back.
    /// </summary>
    private void NoteAgentHolds(long held) => _agentHeldVersion = Math.Max(held, _agentHeldVersion ?? 0);

    private void SeenAgent()
    {
        _agentSeenAt = time.GetUtcNow();
        _agentSeenStamp = time.GetTimestamp();
    }

    private void ForgetAgent()
    {
        _agentStream = null;
        _agentLink = null;
        _agentBackends = _agentBackends.Clear();
        _agentHello = null;
        _agentSeenAt = null;
        _agentHeldVersion = null;
        _agentSnapshotReadAt = null;
        _agentHaProxyPid = null;
    }

    /// <summary>Constant time: how much of a digest matched does not show in the time taken.</summary>
    private bool IsCurrentCredential(string credentialDigest) =>
        state.State is { Registration.Mode: ProxyMode.Agent, AgentCredentialDigest: { } issued }
        && IsDigest(credentialDigest)
        && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(issued), Convert.FromHexString(credentialDigest));

    private static bool IsDigest(string value) => value.Length == 64 && value.All(Uri.IsHexDigit);
}
