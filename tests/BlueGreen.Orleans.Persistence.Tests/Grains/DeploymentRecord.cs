namespace BlueGreen.Orleans.Persistence.Tests.Grains;

/// <summary>A state shaped like the orchestrator's: a list and nested records, through Orleans' serializer allow-list.</summary>
[GenerateSerializer]
[Alias("bluegreen.tests.DeploymentRecord")]
public sealed record DeploymentRecord
{
    [Id(0)]
    public string Service { get; init; } = string.Empty;

    [Id(1)]
    public List<ReleaseRecord> Releases { get; init; } = [];

    [Id(2)]
    public ReleaseRecord? Live { get; init; }

    [Id(3)]
    public int Generation { get; init; }

    /// <summary>A sample with every member set, so a member that fails to round-trip shows up as a difference.</summary>
    public static DeploymentRecord Sample(string service, int generation = 3) => new()
    {
        Service = service,
        Generation = generation,
        Releases =
        [
            new ReleaseRecord("1.0.0", "blue", new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), ["10.0.0.1:8080", "10.0.0.2:8080"]),
            new ReleaseRecord("1.1.0", "green", new DateTimeOffset(2025, 2, 3, 4, 5, 6, TimeSpan.FromHours(1)), ["10.0.0.3:8080"]),
        ],
        Live = new ReleaseRecord("1.1.0", "green", new DateTimeOffset(2025, 2, 3, 4, 5, 6, TimeSpan.FromHours(1)), ["10.0.0.3:8080"]),
    };

    /// <summary>Value equality including the lists (record equality compares list references).</summary>
    public bool SameAs(DeploymentRecord? other) =>
        other is not null
        && Service == other.Service
        && Generation == other.Generation
        && Releases.Count == other.Releases.Count
        && Releases.Zip(other.Releases).All(pair => pair.First.SameAs(pair.Second))
        && (Live is null ? other.Live is null : Live.SameAs(other.Live));
}
