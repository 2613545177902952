namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>One proxy's answer to a switch: when it confirmed, or why it failed.</summary>
public sealed record SwitchResult(string ProxyId, DateTimeOffset? CompletedAt, string? Error)
{
    /// <summary>
    /// For a switch: how long after the fan-out started this proxy confirmed, on this process's monotonic clock (the
    /// route applied, before it is saved); null where not measured.
    /// </summary>
    public TimeSpan? ConfirmedAfter { get; init; }

    public bool Succeeded => Error is null;
}
