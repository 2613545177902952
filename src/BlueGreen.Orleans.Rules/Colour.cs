namespace BlueGreen.Orleans;

/// <summary>The two colours of a service; each is one HAProxy backend (<see cref="ColourExtensions.Backend"/>).</summary>
/// <remarks>
/// Persisted in grain state by number: keep the values. Its Orleans codec and its alias <c>bluegreen.Colour</c> live in
/// the Abstractions project (ColourCodec), since this project references no Orleans.
/// </remarks>
public enum Colour
{
    Blue = 0,
    Green = 1,
}
