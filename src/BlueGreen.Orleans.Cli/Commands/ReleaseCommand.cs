using System.CommandLine;
using BlueGreen.Orleans.Rules;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ReleaseCommand
{
    public static Command Create(CommandRunner runner)
    {
        var options = new DeploymentOptionSet();
        var version = new Option<string>("--version") { Description = "The version to release (the image tag, or {version} of a process colour).", Required = true };
        var hold = new Option<bool>("--hold")
        {
            Description = "Stop once the new colour is UP on every proxy, before the switch, until 'bluegreen approve SERVICE' or 'bluegreen abort SERVICE'; " +
                "meanwhile requests with header X-BlueGreen-Preview: SERVICE or cookie bluegreen-preview=SERVICE reach the new colour.",
        };
        var autoApproveAfter = new Option<string?>("--auto-approve-after") { Description = "With --hold: approve by itself this long after the hold began (e.g. 10m)." };
        var canary = new Option<string?>("--canary")
        {
            Description = "A canary: the percentages of live traffic sent to the new colour, each held for --step-interval under the analysis, then the switch " +
                "(e.g. 10,50,100); each client keeps the colour it drew (cookie bluegreen-canary). 'bluegreen approve SERVICE' goes to 100%, 'bluegreen abort SERVICE' back.",
        };
        var stepInterval = new Option<string?>("--step-interval") { Description = "With --canary: how long each weight is held (default 1m)." };
        var command = options.AddTo(new Command("release", "Release a version on the colour that is not live, switch every proxy, drain and retire the old colour."));
        command.Options.Add(version);
        command.Options.Add(hold);
        command.Options.Add(autoApproveAfter);
        command.Options.Add(canary);
        command.Options.Add(stepInterval);
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.ReleaseRequest
            {
                Service = Names.CheckService(parse.GetValue(options.Service)!),
                Version = Names.CheckVersion(parse.GetValue(version)!),
                Options = options.Read(parse),
                Hold = parse.GetValue(hold),
            };
            if (parse.GetValue(autoApproveAfter) is { } after)
            {
                request.AutoApproveAfter = Duration.FromTimeSpan(Durations.Parse(after, "--auto-approve-after", FieldRules.AutoApproveAfter));
                if (!request.Hold)
                {
                    throw new CliException("--auto-approve-after: only with --hold.");
                }
            }

            if (parse.GetValue(canary) is { } weights)
            {
                if (CanaryRules.Parse(weights, out var problem) is null)
                {
                    throw new CliException($"--canary: {problem} (e.g. 10,50,100).");
                }

                if (request.Hold)
                {
                    throw new CliException("--canary: not with --hold; a canary is its own gate ('bluegreen approve' takes it to 100%).");
                }

                request.Canary.AddRange(weights.Split(',').Select(w => int.Parse(w, System.Globalization.CultureInfo.InvariantCulture)));
            }

            if (parse.GetValue(stepInterval) is { } interval)
            {
                var span = Durations.Parse(interval, "--step-interval", DurationRule.Positive);
                if (request.Canary.Count == 0)
                {
                    throw new CliException("--step-interval: only with --canary.");
                }

                if (!CanaryRules.IsValidStepInterval(span))
                {
                    throw new CliException($"--step-interval: must be {CanaryRules.StepIntervalDescription}.");
                }

                request.CanaryStepInterval = Duration.FromTimeSpan(span);
            }

            var started = await context.Deployments.ReleaseAsync(request, context.Call(cancellationToken));
            return await options.FollowAsync(context, parse, started, cancellationToken);
        }, NotFoundHint.Service(options.Service));
    }
}
