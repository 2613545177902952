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

    public bool AllUp => Reachable && Servers.Count > 0 && Servers.All(s => s.IsUp);

    public long Sessions => Servers.Sum(s => s.Sessions + s.ConnectionsInUse);
}
