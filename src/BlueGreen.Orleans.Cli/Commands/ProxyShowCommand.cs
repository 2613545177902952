using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ProxyShowCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "The proxy id." };
        var command = new Command("show", "One proxy: reachability, pid, routes and every server's status.") { id };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var proxy = await context.Proxies.GetProxyAsync(new V1.GetProxyRequest { Id = Names.CheckProxy(parse.GetValue(id)!) }, context.Call(cancellationToken));
            Render.Write(context, proxy, () => Render.Proxy(proxy));
            return ExitCodes.Ok;
        }, NotFoundHint.Proxy(id));
    }
}
