using System.Collections.Immutable;

namespace BlueGreen.Orleans.Services;

/// <summary>The desired definition of a service: route, proxies, colours and deadlines.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.ServiceSpec")]
public sealed record ServiceSpec
{
    [Id(0)] public required string Name { get; init; }

    /// <summary>The map key that routes to this service (the Host header, e.g. <c>web.example.com</c>).</summary>
    [Id(1)] public required string RouteKey { get; init; }

    /// <summary>Ids of the proxies that serve the service; every one must be registered.</summary>
    [Id(2)] public ImmutableList<string> Proxies { get; init; } = [];

    [Id(3)] public ColourSpec Blue { get; init; } = new();

    [Id(4)] public ColourSpec Green { get; init; } = new();

    /// <summary>How long the target colour may take to be UP on every proxy before an automatic rollback.</summary>
    [Id(5)] public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the old colour may take to reach 0 sessions on every proxy.</summary>
    [Id(6)] public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the old colour stays running after a release, for an instant rollback.</summary>
    [Id(7)] public TimeSpan KeepWarm { get; init; } = TimeSpan.Zero;

    /// <summary>How long to watch the new colour's 5xx rate after the switch (zero: no verify step).</summary>
    [Id(8)] public TimeSpan VerifyWindow { get; init; } = TimeSpan.Zero;

    /// <summary>5xx responses / responses above which the verify step rolls back.</summary>
    [Id(9)] public double MaxErrorRatio { get; init; } = 0.01;

    /// <summary>How long an instance gets to stop after SIGTERM.</summary>
    [Id(10)] public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The version the live colour already runs when the service is first applied (instances started before the
    /// orchestrator took over, as in the recipe); null when nothing runs yet. The live colour is blue, unless the proxies
    /// serve the route key from the service's green backend already.
    /// </summary>
    [Id(11)] public string? LiveVersion { get; init; }

    /// <summary>
    /// Above this response time (HAProxy's <c>rtime</c>, averaged over the target's servers on a proxy) the verify step
    /// rolls back; zero: not judged.
    /// </summary>
    [Id(12)] public TimeSpan MaxResponseTime { get; init; } = TimeSpan.Zero;

    /// <summary>Connection and response errors (<c>econ</c> + <c>eresp</c>) / requests above which the verify step rolls back.</summary>
    [Id(13)] public double MaxServerErrorRatio { get; init; } = 0.01;

    /// <summary>Webhooks called at points of each deployment (<see cref="HookSpec"/>).</summary>
    [Id(30)] public ImmutableList<HookSpec> Hooks { get; init; } = [];

    /// <summary>
    /// The name of the file that holds the key the hooks' requests are signed with, in the server's hook secrets folder
    /// (<c>BlueGreen:Hooks:SecretsFolder</c>): the spec names the secret, it never holds it, so no listing shows it.
    /// Required with hooks.
    /// </summary>
    [Id(31)] public string? HookSecret { get; init; }

    public ColourSpec For(Colour colour) => colour == Colour.Blue ? Blue : Green;
}
