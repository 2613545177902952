namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>One service's two backends, <c>&lt;name&gt;_blue</c> and <c>&lt;name&gt;_green</c>, and how they are checked.</summary>
public sealed record ServiceBackends
{
    public required string Name { get; init; }

    public IReadOnlyList<BackendServer> Blue { get; init; } = [];

    public IReadOnlyList<BackendServer> Green { get; init; } = [];

    public HealthCheck Check { get; init; } = new();

    public IReadOnlyList<BackendServer> ServersOf(Colour colour) => colour == Colour.Blue ? Blue : Green;
}
