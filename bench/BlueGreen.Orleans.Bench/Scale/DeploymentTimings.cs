using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>
/// How long each step of one finished deployment took, from the record's own timestamps: a step starts at its first
/// event (the engine writes one as it begins every step) and ends where the next step starts; the last ends at
/// <see cref="DeploymentRecord.FinishedAt"/>.
/// </summary>
internal sealed record DeploymentTimings(
    string Service,
    ImmutableList<DeploymentStep> Steps,
    ImmutableDictionary<DeploymentStep, TimeSpan> Durations,
    TimeSpan Total,
    TimeSpan? SwitchDuration,
    TimeSpan? SwitchSkew)
{
    /// <summary>The steps a release without a verify window and without keep-warm goes through, in order.</summary>
    public static readonly ImmutableList<DeploymentStep> ReleaseSteps =
        [DeploymentStep.Provision, DeploymentStep.AwaitHealthy, DeploymentStep.Switch, DeploymentStep.Drain, DeploymentStep.Retire, DeploymentStep.Done];

    public static DeploymentTimings Of(DeploymentRecord record)
    {
        var starts = new List<(DeploymentStep Step, DateTimeOffset At)>();
        foreach (var e in record.Events.OrderBy(e => e.Sequence))
        {
            if (starts.Count == 0 || starts[^1].Step != e.Step)
            {
                starts.Add((e.Step, e.At));
            }
        }

        var durations = ImmutableDictionary.CreateBuilder<DeploymentStep, TimeSpan>();
        for (var i = 0; i < starts.Count; i++)
        {
            if (starts[i].Step == DeploymentStep.Done)
            {
                continue;
            }

            var end = i + 1 < starts.Count ? starts[i + 1].At : record.FinishedAt ?? starts[i].At;
            durations[starts[i].Step] = durations.GetValueOrDefault(starts[i].Step) + (end - starts[i].At);
        }

        return new DeploymentTimings(
            record.Service,
            starts.Select(s => s.Step).ToImmutableList(),
            durations.ToImmutable(),
            (record.FinishedAt ?? record.CreatedAt) - record.CreatedAt,
            record.SwitchDuration,
            record.SwitchSkew);
    }
}
