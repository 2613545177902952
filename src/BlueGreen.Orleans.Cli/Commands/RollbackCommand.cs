using System.CommandLine;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class RollbackCommand
{
    public static Command Create(CommandRunner runner)
    {
        var options = new DeploymentOptionSet();
        var command = options.AddTo(new Command("rollback", "Switch back to the other colour and its previous version (instant when kept warm)."));
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.RollbackRequest { Service = Names.CheckService(parse.GetValue(options.Service)!), Options = options.Read(parse) };
            var started = await context.Deployments.RollbackAsync(request, context.Call(cancellationToken));
            return await options.FollowAsync(context, parse, started, cancellationToken);
        }, NotFoundHint.Service(options.Service));
    }
}
