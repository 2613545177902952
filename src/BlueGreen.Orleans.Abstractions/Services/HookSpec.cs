using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Services;

/// <summary>
/// One webhook of a service: at <see cref="Event"/> (one of <see cref="HookRules.Events"/>) the deployment POSTs a signed
/// JSON notice to <see cref="Url"/>. A <see cref="HookRules.BeforeSwitch"/> hook that does not answer 2xx within its
/// attempts vetoes the switch; the others only notify.
/// </summary>
[GenerateSerializer, Immutable, Alias("bluegreen.HookSpec")]
public sealed record HookSpec
{
    [Id(0)] public required string Event { get; init; }

    [Id(1)] public required string Url { get; init; }

    /// <summary>Per attempt.</summary>
    [Id(2)] public TimeSpan Timeout { get; init; } = HookRules.DefaultTimeout;

    /// <summary>Attempts after the first, with exponential backoff.</summary>
    [Id(3)] public int Retries { get; init; } = HookRules.DefaultRetries;
}
