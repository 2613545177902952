using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ProxyListCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("ls", "List the registered proxies.");
        command.Aliases.Add("list");
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var response = await context.Proxies.ListProxiesAsync(new V1.ListProxiesRequest(), context.Call(cancellationToken));
            Render.Write(context, response, () => Render.Proxies(response.Proxies));
            return ExitCodes.Ok;
        });
    }
}
