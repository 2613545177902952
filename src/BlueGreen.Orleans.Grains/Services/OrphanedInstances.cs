namespace BlueGreen.Orleans.Grains.Services;

/// <summary>A running colour's instances that a new spec no longer names, why, and their instance names.</summary>
internal sealed record OrphanedInstances(Colour Colour, string Reason, IReadOnlyList<string> Instances);
