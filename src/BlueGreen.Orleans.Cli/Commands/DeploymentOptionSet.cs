using System.CommandLine;
using BlueGreen.Orleans.Rules;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

/// <summary>The options release, promote and rollback share.</summary>
internal sealed class DeploymentOptionSet
{
    public Argument<string> Service { get; } = new("service") { Description = "The service name." };

    public Option<string?> HealthTimeout { get; } = new("--health-timeout") { Description = "Deadline for the target to be UP on every proxy (e.g. 60s)." };

    public Option<string?> DrainTimeout { get; } = new("--drain-timeout") { Description = "Deadline for the old colour to drain (e.g. 30s)." };

    public Option<string?> KeepWarm { get; } = new("--keep-warm") { Description = "Keep the old colour running this long for an instant rollback." };

    public Option<string?> VerifyWindow { get; } = new("--verify-window") { Description = "Watch the new colour's 5xx rate this long after the switch." };

    public Option<bool> NoWait { get; } = new("--no-wait") { Description = "Print the deployment id and return at once." };

    public Command AddTo(Command command)
    {
        command.Arguments.Add(Service);
        command.Options.Add(HealthTimeout);
        command.Options.Add(DrainTimeout);
        command.Options.Add(KeepWarm);
        command.Options.Add(VerifyWindow);
        command.Options.Add(NoWait);
        return command;
    }

    public V1.DeploymentOptions Read(ParseResult parse) => new()
    {
        HealthTimeout = Duration(parse.GetValue(HealthTimeout), "--health-timeout", FieldRules.HealthTimeout),
        DrainTimeout = Duration(parse.GetValue(DrainTimeout), "--drain-timeout", FieldRules.DrainTimeout),
        KeepWarm = Duration(parse.GetValue(KeepWarm), "--keep-warm", FieldRules.KeepWarm),
        VerifyWindow = Duration(parse.GetValue(VerifyWindow), "--verify-window", FieldRules.VerifyWindow),
    };

    /// <summary>Waits and shows live progress (until it ends, or is held for approval), or prints the id with --no-wait.</summary>
    public Task<int> FollowAsync(CliContext context, ParseResult parse, V1.Deployment started, CancellationToken cancellationToken) =>
        parse.GetValue(NoWait)
            ? Task.FromResult(DeploymentWatch.Started(context, started))
            : DeploymentWatch.FollowAsync(context, started.Service, started.Id, cancellationToken);

    private static Duration? Duration(string? text, string option, DurationRule rule) =>
        text is null ? null : Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Durations.Parse(text, option, rule));
}
