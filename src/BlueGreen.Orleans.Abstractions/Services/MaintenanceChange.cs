using BlueGreen.Orleans.Auditing;

namespace BlueGreen.Orleans.Services;

/// <summary>Maintenance turned on (with the message its page shows; null: the default page) or off, by whom and when.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.MaintenanceChange")]
public sealed record MaintenanceChange([property: Id(0)] bool On, [property: Id(1)] string? Message, [property: Id(2)] Change Change);
