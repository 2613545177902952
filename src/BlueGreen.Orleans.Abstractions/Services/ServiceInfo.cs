using System.Collections.Immutable;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Services;

/// <summary>A service as its grain holds it.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ServiceInfo")]
public sealed record ServiceInfo
{
    [Id(0)] public required ServiceSpec Spec { get; init; }

    [Id(1)] public Colour LiveColour { get; init; }

    /// <summary>The version each colour last ran.</summary>
    [Id(2)] public ImmutableDictionary<Colour, string> Versions { get; init; } = ImmutableDictionary<Colour, string>.Empty;

    /// <summary>Colours whose instances are running.</summary>
    [Id(3)] public ImmutableHashSet<Colour> Running { get; init; } = [];

    /// <summary>When a colour kept warm after a release will be retired.</summary>
    [Id(4)] public ImmutableDictionary<Colour, DateTimeOffset> WarmUntil { get; init; } = ImmutableDictionary<Colour, DateTimeOffset>.Empty;

    [Id(5)] public DeploymentRecord? ActiveDeployment { get; init; }

    [Id(6)] public DeploymentRecord? LastDeployment { get; init; }

    /// <summary>Who applied the spec last, and when.</summary>
    [Id(7)] public Change? Applied { get; init; }

    /// <summary>Set while the service is in maintenance: when it was turned on, by whom, with which message.</summary>
    [Id(8)] public MaintenanceChange? Maintenance { get; init; }

    /// <summary>Maintenance turned on and off, newest first (bounded).</summary>
    [Id(9)] public ImmutableList<MaintenanceChange> MaintenanceHistory { get; init; } = [];
}
