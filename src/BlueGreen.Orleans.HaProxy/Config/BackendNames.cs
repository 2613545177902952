namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>The naming rule that ties services and colours to HAProxy backends.</summary>
public static class BackendNames
{
    /// <summary>The backend that answers 404 for hosts without a route.</summary>
    public const string NoRoute = "no_route";

    public static string For(string service, Colour colour) => $"{service}_{ColourName(colour)}";

    public static string ColourName(Colour colour) => colour == Colour.Blue ? "blue" : "green";
}
