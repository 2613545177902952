namespace BlueGreen.Orleans;

/// <summary>The naming rule that ties services and colours to HAProxy backends, once for the grains and the adapter.</summary>
public static class ColourExtensions
{
    public static Colour Other(this Colour colour) => colour == Colour.Blue ? Colour.Green : Colour.Blue;

    public static string Name(this Colour colour) => colour == Colour.Blue ? "blue" : "green";

    /// <summary>The HAProxy backend of a service colour: <c>&lt;service&gt;_&lt;colour&gt;</c>.</summary>
    public static string Backend(this Colour colour, string service) => $"{service}_{colour.Name()}";
}
