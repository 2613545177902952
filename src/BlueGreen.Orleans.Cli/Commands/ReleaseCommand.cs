using System.CommandLine;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ReleaseCommand
{
    public static Command Create(CommandRunner runner)
    {
        var options = new DeploymentOptionSet();
        var version = new Option<string>("--version") { Description = "The version to release (the image tag, or {version} of a process colour).", Required = true };
        var command = options.AddTo(new Command("release", "Release a version on the colour that is not live, switch every proxy, drain and retire the old colour."));
        command.Options.Add(version);
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.ReleaseRequest
            {
                Service = Names.CheckService(parse.GetValue(options.Service)!),
                Version = Names.CheckVersion(parse.GetValue(version)!),
                Options = options.Read(parse),
            };
            var started = await context.Deployments.ReleaseAsync(request, context.Call(cancellationToken));
            return await options.FollowAsync(context, parse, started, cancellationToken);
        }, NotFoundHint.Service(options.Service));
    }
}
