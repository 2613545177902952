using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class HistoryCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var command = new Command("history", "The deployments of a service, newest first, and when maintenance was turned on and off.") { service };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.ListDeploymentsRequest { Service = Names.CheckService(parse.GetValue(service)!) };
            var response = await context.Deployments.ListDeploymentsAsync(request, context.Call(cancellationToken));
            Render.Write(context, response, () => response.Maintenance.Count == 0
                ? Render.History(response.Deployments)
                : new Stack(Render.History(response.Deployments), Render.MaintenanceHistory(response.Maintenance)));
            return ExitCodes.Ok;
        }, NotFoundHint.Service(service));
    }
}
