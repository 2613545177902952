using System.Collections.Immutable;

namespace BlueGreen.Orleans.Proxies;

/// <summary>One backend on one proxy: every server's health and sessions, or why it could not be read.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.BackendReport")]
public sealed record BackendReport
{
    [Id(0)] public required string ProxyId { get; init; }

    [Id(1)] public required string Backend { get; init; }

    [Id(2)] public bool Reachable { get; init; }

    [Id(3)] public ImmutableList<ServerHealth> Servers { get; init; } = [];

    [Id(4)] public string? Error { get; init; }

    [Id(5)] public DateTimeOffset ReadAt { get; init; }

    /// <summary>
    /// How long the HAProxy worker that answered has been running (<c>Uptime_sec</c> of <c>show info</c>); null when
    /// unknown. A worker that just started (restart or reload) has had few health checks yet: HAProxy starts every
    /// server one failed check away from DOWN, so its first seconds say little about the servers themselves.
    /// </summary>
    [Id(6)] public TimeSpan? WorkerUptime { get; init; }

    /// <summary>
    /// The backend's own counters, HAProxy's own 503s included (a request when no server is up is counted on no
    /// server); null where only server rows were read.
    /// </summary>
    [Id(7)] public BackendTotals? Totals { get; init; }

    public bool AllUp => Reachable && Servers.Count > 0 && Servers.All(s => s.IsUp);

    public long Sessions => Servers.Sum(s => s.Sessions + s.ConnectionsInUse);
}
