using System.Collections.Immutable;

namespace BlueGreen.Orleans.Proxies;

/// <summary>How to reach one HAProxy and where its route map lives.</summary>
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
}
