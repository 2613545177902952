using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class HistoryCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var command = new Command("history", "The deployments of a service, newest first.") { service };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.ListDeploymentsRequest { Service = Names.CheckService(parse.GetValue(service)!) };
            var response = await context.Deployments.ListDeploymentsAsync(request, context.Call(cancellationToken));
            Render.Write(context, response, () => Render.History(response.Deployments));
            return ExitCodes.Ok;
        }, NotFoundHint.Service(service));
    }
}
