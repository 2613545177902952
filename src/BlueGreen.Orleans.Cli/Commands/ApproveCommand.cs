using System.CommandLine;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

/// <summary><c>approve SERVICE</c>: the release held for approval (release --hold) switches and goes on.</summary>
internal static class ApproveCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string>("service") { Description = "The service name." };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the approval is recorded." };
        var command = new Command("approve", "Approve the release held for approval (release --hold), or take a running canary (release --canary) to 100%: switch every proxy to the new colour and go on.") { service, noWait };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var name = Names.CheckService(parse.GetValue(service)!);
            var approved = await context.Deployments.ApproveAsync(new V1.ApproveRequest { Service = name }, context.Call(cancellationToken));
            return parse.GetValue(noWait)
                ? DeploymentWatch.Started(context, approved)
                : await DeploymentWatch.FollowAsync(context, name, approved.Id, cancellationToken);
        }, NotFoundHint.Service(service));
    }
}
