using System.CommandLine;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class AbortCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the abort is recorded." };
        var command = new Command("abort", "Stop the running deployment and return the fleet to the colour live before it.") { service, noWait };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var name = Names.CheckService(parse.GetValue(service)!);
            var aborted = await context.Deployments.AbortAsync(new V1.AbortRequest { Service = name }, context.Call(cancellationToken));
            if (parse.GetValue(noWait))
            {
                return DeploymentWatch.Started(context, aborted);
            }

            var exit = await DeploymentWatch.FollowAsync(context, name, aborted.Id, cancellationToken);
            return exit == ExitCodes.Failed ? ExitCodes.Ok : exit;
        }, NotFoundHint.Service(service));
    }
}
