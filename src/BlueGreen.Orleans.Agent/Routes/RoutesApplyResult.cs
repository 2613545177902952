namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>The acknowledgement of one version: its status, each runtime command and the time of each phase.</summary>
internal sealed record RoutesApplyResult
{
    public required long Version { get; init; }

    public required AckStatus Status { get; init; }

    public required long HeldVersion { get; init; }

    public required ApplyTrigger Trigger { get; init; }

    public string? Error { get; init; }

    public IReadOnlyList<RouteCommandOutcome> Commands { get; init; } = [];

    public TimeSpan StateFile { get; init; }

    public TimeSpan MapFile { get; init; }

    public TimeSpan Runtime { get; init; }

    public required TimeSpan Total { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public int HaProxyPid { get; init; }

    public override string ToString() => $"v{Version} {Status} (held v{HeldVersion}, {Commands.Count} commands, {Total.TotalMilliseconds:0.###} ms){(Error is null ? string.Empty : ": " + Error)}";
}
