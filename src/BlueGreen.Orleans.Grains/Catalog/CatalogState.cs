using System.Collections.Immutable;

namespace BlueGreen.Orleans.Grains.Catalog;

[GenerateSerializer, Alias("bluegreen.CatalogState")]
public sealed record CatalogState
{
    [Id(0)] public ImmutableSortedSet<string> Proxies { get; init; } = [];

    [Id(1)] public ImmutableSortedSet<string> Services { get; init; } = [];

    [Id(2)] public ImmutableSortedSet<string> Active { get; init; } = [];
}
