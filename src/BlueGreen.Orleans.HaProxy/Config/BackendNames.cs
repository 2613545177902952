namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>Backend names of the rendered configuration that no service owns (a colour's: <see cref="ColourExtensions.Backend"/>).</summary>
public static class BackendNames
{
    /// <summary>The backend that answers 404 for hosts without a route.</summary>
    public const string NoRoute = "no_route";

    /// <summary>
    /// The one backend every service in maintenance is routed to (<see cref="MaintenancePage"/>). Shared, not one per
    /// service: each backend that reads the routes map adds to the cost of every Runtime API read of the configuration,
    /// and a third more backends made each <c>show stat &lt;backend&gt;</c> 2.6× slower at 1,000 services (docs/scale.md).
    /// No service's backend can take the name: those end in <c>_blue</c> or <c>_green</c>.
    /// </summary>
    public const string Maintenance = "bluegreen_maintenance";
}
