using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

/// <summary><c>maintenance on|off SERVICE</c>: Kamal's maintenance mode, on every proxy of the service.</summary>
internal static class MaintenanceCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("maintenance", "Answer a service's route key with 503 and a maintenance page on every proxy, or route it to the live colour again.");
        command.Subcommands.Add(On(runner));
        command.Subcommands.Add(Off(runner));
        return command;
    }

    private static Command On(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var message = new Option<string>("--message") { Description = "What the page says (default: that the service is down for maintenance)." };
        var command = new Command("on", "Every proxy answers the service with 503 and the page; no release, promote or rollback starts until it is off.") { service, message };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.SetMaintenanceRequest { Name = Names.CheckService(parse.GetValue(service)!), Enabled = true };
            if (parse.GetValue(message) is { } text)
            {
                request.Message = Names.CheckMaintenanceMessage(text);
            }

            var updated = await context.Services.SetMaintenanceAsync(request, context.Call(cancellationToken));
            Render.Write(context, updated, () => new Markup(
                $"service [bold]{Markup.Escape(updated.Spec.Name)}[/] is in maintenance: [bold]{Markup.Escape(updated.Spec.RouteKey)}[/] answers 503 on {Markup.Escape(string.Join(", ", updated.Spec.Proxies))}\n"));
            return ExitCodes.Ok;
        }, NotFoundHint.Service(service));
    }

    private static Command Off(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var command = new Command("off", "Every proxy routes the service to its live colour again.") { service };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.SetMaintenanceRequest { Name = Names.CheckService(parse.GetValue(service)!), Enabled = false };
            var updated = await context.Services.SetMaintenanceAsync(request, context.Call(cancellationToken));
            Render.Write(context, updated, () => new Markup(
                $"service [bold]{Markup.Escape(updated.Spec.Name)}[/] is out of maintenance: [bold]{Markup.Escape(updated.Spec.RouteKey)}[/] routes to {(updated.LiveColour == V1.Colour.Blue ? "blue" : "green")} on {Markup.Escape(string.Join(", ", updated.Spec.Proxies))}\n"));
            return ExitCodes.Ok;
        }, NotFoundHint.Service(service));
    }
}
