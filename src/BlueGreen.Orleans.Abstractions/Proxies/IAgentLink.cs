using System.Collections.Immutable;

namespace BlueGreen.Orleans.Proxies;

/// <summary>
/// The gateway's end of one agent stream, as its proxy grain reaches it: an Orleans observer the gateway holding the
/// stream registers with the hello, in the silo's process or its own. Each call sends one message down the stream and
/// returns the agent's answer; a stream that ended, or an agent that does not answer, fails the call (Unavailable).
/// </summary>
[Alias("bluegreen.IAgentLink")]
public interface IAgentLink : IGrainObserver
{
    /// <summary>
    /// The full set of routes the proxy must hold, at <paramref name="version"/>; returns the agent's first
    /// acknowledgement: <see cref="AgentAckStatus.RuntimeApplied"/> as soon as HAProxy's runtime map has it (the final
    /// one then follows, <see cref="DurableAsync"/>), or a final one at once.
    /// </summary>
    [Alias("PushRoutes")]
    Task<AgentRoutesAck> PushRoutesAsync(long version, ImmutableDictionary<string, string> routes);

    /// <summary>
    /// The final acknowledgement of the last version pushed, once the agent's state file and map file hold it (or
    /// why not), after a first one that was <see cref="AgentAckStatus.RuntimeApplied"/>.
    /// </summary>
    [Alias("Durable")]
    Task<AgentRoutesAck> DurableAsync(long version);

    /// <summary>One backend read now; with <paramref name="forceDown"/>, every server set to health DOWN first.</summary>
    [Alias("Recheck")]
    Task<BackendReport> RecheckAsync(string backend, bool forceDown);

    /// <summary>The sessions still using a backend, on the live worker and, through the agent's master CLI, on old workers.</summary>
    [Alias("ReadDrain")]
    Task<DrainReport> ReadDrainAsync(string backend);

    /// <summary>The routes HAProxy's runtime map holds now, whatever version the agent holds.</summary>
    [Alias("ReadRoutes")]
    Task<ImmutableDictionary<string, string>> ReadRoutesAsync();
}
