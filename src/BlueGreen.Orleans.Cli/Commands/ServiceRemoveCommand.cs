using System.CommandLine;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ServiceRemoveCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "The service name." };
        var keep = new Option<bool>("--keep-instances") { Description = "Leave both colours' instances running (by default they are stopped and removed first)." };
        var command = new Command("rm", "Delete a service: stop its instances, then forget it (refused while a deployment runs; routes stay).") { name, keep };
        command.Aliases.Add("remove");
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var service = Names.CheckService(parse.GetValue(name)!);
            var keepInstances = parse.GetValue(keep);
            // Stopping instances waits for each to end (up to the spec's stop_timeout, then SIGKILL).
            await context.Services.DeleteServiceAsync(
                new V1.DeleteServiceRequest { Name = service, KeepInstances = keepInstances }, context.Call(cancellationToken, TimeSpan.FromMinutes(5)));
            context.Console.MarkupLine(keepInstances
                ? $"service [bold]{Markup.Escape(service)}[/] deleted; its instances keep running"
                : $"service [bold]{Markup.Escape(service)}[/] deleted; its instances were stopped");
            return ExitCodes.Ok;
        }, NotFoundHint.Service(name));
    }
}
