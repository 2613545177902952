namespace BlueGreen.Orleans.Auditing;

/// <summary>Who made a change (a token name, never the token) and when.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.Change")]
public sealed record Change([property: Id(0)] string By, [property: Id(1)] DateTimeOffset At);
