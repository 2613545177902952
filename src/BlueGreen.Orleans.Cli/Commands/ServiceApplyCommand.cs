using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Rules;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ServiceApplyCommand
{
    public static Command Create(CommandRunner runner)
    {
        var file = new Option<string>("--file", "-f") { Description = "The service spec (.yaml, .yml or .json).", Required = true };
        var adopt = new Option<string?>("--adopt")
        {
            Description = "Blue already runs this version, started outside the orchestrator: take its instances over as live (first apply only; sets live_version).",
        };
        var adoptServed = new Option<bool>("--adopt-served")
        {
            Description = "The proxies serve the colour that is not live in the service's record (a record restored from an older backup): record the served colour as live instead of refusing. No route changes.",
        };
        var command = new Command("apply", "Create or update a service from a spec file.") { file, adopt, adoptServed };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var spec = SpecChecks.Check(SpecFile.Load(parse.GetValue(file)!));
            if (parse.GetValue(adopt) is { } version)
            {
                spec.LiveVersion = Names.Check(FieldRules.Version, version, "--adopt");
            }

            var service = await context.Services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec, AdoptServed = parse.GetValue(adoptServed) }, context.Call(cancellationToken));
            Render.Write(context, service, () => Render.Services([service]));
            return ExitCodes.Ok;
        });
    }
}
