namespace BlueGreen.Orleans;

/// <summary>The two colours of a service.</summary>
[GenerateSerializer, Alias("bluegreen.Colour")]
public enum Colour
{
    Blue = 0,
    Green = 1,
}
