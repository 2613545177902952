namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// Every fault case runs in this one collection: one at a time (they kill and restart processes and measure failed
/// requests, which a neighbour's CPU load must not disturb), sharing one <see cref="ReliabilityReport"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultSuite : ICollectionFixture<ReliabilityReport>
{
    public const string Name = "Faults";
}
