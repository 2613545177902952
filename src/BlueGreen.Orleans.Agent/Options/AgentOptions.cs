using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Agent.Options;

/// <summary>The agent's settings, all from its command line (validated by <see cref="AgentCommandLine"/>).</summary>
internal sealed record AgentOptions
{
    /// <summary>The proxy this agent stands beside; its credential is bound to it.</summary>
    public required string ProxyId { get; init; }

    /// <summary>The gateway's address, https:// (http:// only to loopback).</summary>
    public required Uri Server { get; init; }

    /// <summary>The file holding the agent's credential (read at start, never logged).</summary>
    public required string CredentialFile { get; init; }

    /// <summary>HAProxy's Runtime API: a local unix socket at level admin.</summary>
    public required RuntimeEndpoint RuntimeApi { get; init; }

    /// <summary>The map file: as HAProxy's config names it, and where the agent writes it (the same host).</summary>
    public required string MapFile { get; init; }

    /// <summary>Where the agent keeps its state file (the last desired routes) and its lock.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>How often every backend is read and the changes sent.</summary>
    public TimeSpan Tick { get; init; } = AgentCommandLine.DefaultTick;

    /// <summary>HAProxy's master CLI (unix socket), optional: old workers' sessions for drain readings, and the master pid.</summary>
    public RuntimeEndpoint? MasterApi { get; init; }

    /// <summary>For https://: trust only the CA certificate(s) in this file.</summary>
    public string? CaFile { get; init; }
}
