namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>One change a write of the proxy's routes carries (<see cref="ProxyGrain"/>'s commit line).</summary>
internal sealed class RouteChange
{
    /// <summary>A write that carries no route (a registration): the grain state as memory holds it.</summary>
    public static RouteChange None => new();

    /// <summary>The route key changed; null for <see cref="None"/>.</summary>
    public string? Key { get; init; }

    /// <summary>The backend the key routes to from now; null when the route is removed.</summary>
    public string? Backend { get; init; }

    /// <summary>False for an agent-mode switch: the agent must hold the route, the grain state need not be written.</summary>
    public bool Persist { get; init; } = true;

    /// <summary>Agent mode: when the agent acknowledged the set carrying this change (what a switch returns).</summary>
    public DateTimeOffset? Applied { get; set; }
}
