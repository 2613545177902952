namespace BlueGreen.Orleans.Persistence.Tests.Grains;

/// <summary>A nested positional record (constructor-only members) inside <see cref="DeploymentRecord"/>.</summary>
[GenerateSerializer]
[Alias("bluegreen.tests.ReleaseRecord")]
public sealed record ReleaseRecord(
    [property: Id(0)] string Version,
    [property: Id(1)] string Colour,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] List<string> Endpoints)
{
    public bool SameAs(ReleaseRecord? other) =>
        other is not null
        && Version == other.Version
        && Colour == other.Colour
        && StartedAt == other.StartedAt
        && StartedAt.Offset == other.StartedAt.Offset
        && Endpoints.SequenceEqual(other.Endpoints);
}
