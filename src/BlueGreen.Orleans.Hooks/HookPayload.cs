namespace BlueGreen.Orleans.Hooks;

/// <summary>
/// The JSON body of a hook request (camelCase). <see cref="DeploymentId"/> and <see cref="Event"/> identify a delivery:
/// delivery is at least once (a step cut by a crash runs again and calls its hooks again), so receivers dedupe on them.
/// </summary>
public sealed record HookPayload
{
    public required string Service { get; init; }

    public required long DeploymentId { get; init; }

    /// <summary>release, promote or rollback.</summary>
    public required string Kind { get; init; }

    /// <summary>before_switch, after_switch, after_drain or on_failure.</summary>
    public required string Event { get; init; }

    public required string FromColour { get; init; }

    public required string ToColour { get; init; }

    public string? FromVersion { get; init; }

    public required string ToVersion { get; init; }

    /// <summary>The deployment's step when the hook was called (Switch, Drain, Done...).</summary>
    public required string Step { get; init; }

    /// <summary>The name of the token that started the deployment (never the token).</summary>
    public string? Actor { get; init; }

    /// <summary>Running, or how the deployment ended (on_failure: Failed, RolledBack or Aborted).</summary>
    public required string Outcome { get; init; }

    public string? Error { get; init; }

    public required DateTimeOffset At { get; init; }
}
