using System.Collections.Immutable;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>What a service grain persists, after every deployment step.</summary>
[GenerateSerializer, Alias("bluegreen.ServiceState")]
public sealed record ServiceState
{
    [Id(0)] public ServiceSpec? Spec { get; init; }

    [Id(1)] public Colour LiveColour { get; init; }

    [Id(2)] public ImmutableDictionary<Colour, string> Versions { get; init; } = ImmutableDictionary<Colour, string>.Empty;

    [Id(3)] public ImmutableHashSet<Colour> Running { get; init; } = [];

    [Id(4)] public ImmutableDictionary<Colour, DateTimeOffset> WarmUntil { get; init; } = ImmutableDictionary<Colour, DateTimeOffset>.Empty;

    [Id(5)] public DeploymentRecord? Active { get; init; }

    /// <summary>Finished deployments, newest first.</summary>
    [Id(6)] public ImmutableList<DeploymentRecord> History { get; init; } = [];

    [Id(7)] public long NextId { get; init; } = 1;

    /// <summary>Who applied the spec last, and when.</summary>
    [Id(8)] public Change? Applied { get; init; }

    /// <summary>The version of the last route change this service sent its proxies (see <see cref="IProxyGrain.SwitchRouteAsync"/>).</summary>
    [Id(9)] public long RouteVersion { get; init; }

    /// <summary>Set while the service is in maintenance: its route key points at its maintenance backend, no deployment starts.</summary>
    [Id(10)] public MaintenanceChange? Maintenance { get; init; }

    /// <summary>Maintenance turned on and off, newest first (bounded as the history).</summary>
    [Id(11)] public ImmutableList<MaintenanceChange> MaintenanceHistory { get; init; } = [];
}
