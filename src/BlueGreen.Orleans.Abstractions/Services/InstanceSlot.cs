namespace BlueGreen.Orleans.Services;

/// <summary>One instance of a colour: the HAProxy server name and where it listens.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.InstanceSlot")]
public sealed record InstanceSlot(
    [property: Id(0)] string Server,
    [property: Id(1)] string Address,
    [property: Id(2)] int Port);
