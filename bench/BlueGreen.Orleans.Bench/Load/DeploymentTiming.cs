using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>One deployment run under load, as the server recorded it (or the error that kept it from running).</summary>
internal sealed record DeploymentTiming(
    DeploymentKind Kind,
    string? Version,
    Colour? From,
    Colour? To,
    DeploymentOutcome? Outcome,
    TimeSpan? Duration,
    TimeSpan? SwitchDuration,
    TimeSpan? SwitchSkew,
    string? Error)
{
    public bool Succeeded => Outcome == DeploymentOutcome.Succeeded;

    public static DeploymentTiming Of(DeploymentRecord record) => new(
        record.Kind,
        record.Version,
        record.From,
        record.Target,
        record.Outcome,
        record.FinishedAt - record.CreatedAt,
        record.SwitchDuration,
        record.SwitchSkew,
        record.Error);

    public static DeploymentTiming NotRun(DeploymentKind kind, string error) => new(kind, null, null, null, null, null, null, null, error);
}
