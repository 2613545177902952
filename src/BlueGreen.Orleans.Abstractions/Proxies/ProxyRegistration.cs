using System.Collections.Immutable;

namespace BlueGreen.Orleans.Proxies;

/// <summary>How to reach one HAProxy and where its route map lives (or that its agent does).</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ProxyRegistration")]
public sealed record ProxyRegistration
{
    /// <summary><c>tcp://host:port</c> or <c>unix:///path</c> of the Runtime API (stats socket at level admin).</summary>
    [Id(0)] public required string RuntimeApi { get; init; }

    /// <summary>The map as HAProxy's config names it (the file path in <c>map(…)</c>).</summary>
    [Id(1)] public required string MapFile { get; init; }

    /// <summary>Where the orchestrator writes that file, when not the same path (null: same path).</summary>
    [Id(2)] public string? MapFileWritePath { get; init; }

    [Id(3)] public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>
    /// <c>tcp://host:port</c> or <c>unix:///path</c> of HAProxy's master CLI (<c>haproxy -W -S …</c>), or null. Through it a
    /// drain sees the old workers a reload leaves running, which still carry requests to the old colour; without it a
    /// drain that sees the worker change waits for its deadline.
    /// </summary>
    [Id(4)] public string? MasterApi { get; init; }

    /// <summary>
    /// <see cref="ProxyMode.Agent"/>: reached only through its agent's stream; <see cref="RuntimeApi"/> and
    /// <see cref="MapFile"/> are then empty (the agent owns both on its host) and <see cref="MasterApi"/> null.
    /// </summary>
    [Id(5)] public ProxyMode Mode { get; init; }
}
