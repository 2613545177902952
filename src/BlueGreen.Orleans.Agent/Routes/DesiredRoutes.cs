namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>
/// One version of the full set of routes a proxy must hold (map key → backend). Versions only grow and a version's
/// routes never change, so the agent compares versions, never route sets.
/// </summary>
internal sealed record DesiredRoutes(long Version, IReadOnlyDictionary<string, string> Routes)
{
    public override string ToString() => $"v{Version} ({Routes.Count} routes)";
}
