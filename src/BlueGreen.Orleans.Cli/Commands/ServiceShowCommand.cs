using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ServiceShowCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "The service name." };
        var command = new Command("show", "One service: live colour, versions and its deployments.") { name };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var service = await context.Services.GetServiceAsync(new V1.GetServiceRequest { Name = Names.CheckService(parse.GetValue(name)!) }, context.Call(cancellationToken));
            Render.Write(context, service, () => Render.Service(service));
            return ExitCodes.Ok;
        }, NotFoundHint.Service(name));
    }
}
