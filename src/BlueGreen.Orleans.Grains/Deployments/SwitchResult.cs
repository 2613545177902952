namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>One proxy's answer to a switch: when it confirmed, or why it failed.</summary>
public sealed record SwitchResult(string ProxyId, DateTimeOffset? CompletedAt, string? Error)
{
    public bool Succeeded => Error is null;
}
