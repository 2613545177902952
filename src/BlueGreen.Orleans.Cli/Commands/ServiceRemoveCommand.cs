using System.CommandLine;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ServiceRemoveCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "The service name." };
        var command = new Command("rm", "Delete a service (refused while a deployment runs; routes and instances stay).") { name };
        command.Aliases.Add("remove");
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var service = Names.CheckService(parse.GetValue(name)!);
            await context.Services.DeleteServiceAsync(new V1.DeleteServiceRequest { Name = service }, context.Call(cancellationToken));
            context.Console.MarkupLine($"service [bold]{Markup.Escape(service)}[/] deleted");
            return ExitCodes.Ok;
        }, NotFoundHint.Service(name));
    }
}
