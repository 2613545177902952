using System.CommandLine;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class WatchCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var id = new Argument<long?>("id") { Description = "The deployment id (default: the running one, else the last).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("watch", "Follow a deployment step by step until it ends.") { service, id };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var name = Names.CheckService(parse.GetValue(service)!);
            var deployment = parse.GetValue(id);
            if (deployment is null)
            {
                var info = await context.Services.GetServiceAsync(new V1.GetServiceRequest { Name = name }, context.Call(cancellationToken));
                deployment = (info.ActiveDeployment ?? info.LastDeployment)?.Id
                    ?? throw new CliException($"service '{name}' has no deployment to watch.", ExitCodes.Refused);
            }

            return await DeploymentWatch.FollowAsync(context, name, deployment.Value, cancellationToken);
        }, NotFoundHint.Service(service));
    }
}
