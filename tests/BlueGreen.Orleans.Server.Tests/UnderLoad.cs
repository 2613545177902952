namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The cases that drive a fleet under the load generator and count its failed requests (AnalysisTests, CanaryTests):
/// one at a time. Two at once on a 2-core machine starve each other's haproxy health checks, and a check that times out
/// takes a healthy colour DOWN for a moment (HAProxy's own 503s, counted as failed requests).
/// </summary>
[CollectionDefinition(Name)]
public sealed class UnderLoad
{
    public const string Name = "under load";
}
