using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using BlueGreen.Orleans.Cli.Specs;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ServiceApplyCommand
{
    public static Command Create(CommandRunner runner)
    {
        var file = new Option<string>("--file", "-f") { Description = "The service spec (.yaml, .yml or .json).", Required = true };
        var command = new Command("apply", "Create or update a service from a spec file.") { file };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var spec = SpecChecks.Check(SpecFile.Load(parse.GetValue(file)!));
            var service = await context.Services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, context.Call(cancellationToken));
            Render.Write(context, service, () => Render.Services([service]));
            return ExitCodes.Ok;
        });
    }
}
