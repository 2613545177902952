namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>Backend names of the rendered configuration that no service owns (a colour's: <see cref="ColourExtensions.Backend"/>).</summary>
public static class BackendNames
{
    /// <summary>The backend that answers 404 for hosts without a route.</summary>
    public const string NoRoute = "no_route";
}
