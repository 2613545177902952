using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ServiceListCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("ls", "List the services.");
        command.Aliases.Add("list");
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var response = await context.Services.ListServicesAsync(new V1.ListServicesRequest(), context.Call(cancellationToken));
            Render.Write(context, response, () => Render.Services(response.Services));
            return ExitCodes.Ok;
        });
    }
}
