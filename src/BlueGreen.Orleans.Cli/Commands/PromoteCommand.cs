using System.CommandLine;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class PromoteCommand
{
    public static Command Create(CommandRunner runner)
    {
        var options = new DeploymentOptionSet();
        var command = options.AddTo(new Command("promote", "Redeploy blue with the version live on green, switch back to blue, retire green."));
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.PromoteRequest { Service = Names.CheckService(parse.GetValue(options.Service)!), Options = options.Read(parse) };
            var started = await context.Deployments.PromoteAsync(request, context.Call(cancellationToken));
            return await options.FollowAsync(context, parse, started, cancellationToken);
        }, NotFoundHint.Service(options.Service));
    }
}
