using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class InstancesCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string?>("service") { Description = "Only this service's instances (default: every service's).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("instances", "List the instances the orchestrator runs: service, colour, version, pid or container, state.") { service };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.ListInstancesRequest();
            if (parse.GetValue(service) is { } name)
            {
                request.Services.Add(Names.CheckService(name));
            }

            var response = await context.Services.ListInstancesAsync(request, context.Call(cancellationToken));
            Render.Write(context, response, () => Render.Instances(response.Instances));
            return ExitCodes.Ok;
        });
    }
}
