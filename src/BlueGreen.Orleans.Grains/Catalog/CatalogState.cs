using System.Collections.Immutable;

namespace BlueGreen.Orleans.Grains.Catalog;

[GenerateSerializer, Alias("bluegreen.CatalogState")]
public sealed record CatalogState
{
    [Id(0)] public ImmutableSortedSet<string> Proxies { get; init; } = [];

    [Id(1)] public ImmutableSortedSet<string> Services { get; init; } = [];

    [Id(2)] public ImmutableSortedSet<string> Active { get; init; } = [];

    /// <summary>Route key → the service that holds it: a key routes to one service only.</summary>
    [Id(3)] public ImmutableSortedDictionary<string, string> RouteKeys { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Whether <see cref="RouteKeys"/> holds the keys of the services that existed before claims did.</summary>
    [Id(4)] public bool RouteKeysIndexed { get; init; }
}
