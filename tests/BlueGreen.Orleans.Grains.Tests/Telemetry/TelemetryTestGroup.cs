namespace BlueGreen.Orleans.Grains.Tests.Telemetry;

/// <summary>Span listeners are process-wide: the tests that start or expect none run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class TelemetryTestGroup
{
    public const string Name = "Telemetry";
}
