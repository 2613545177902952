using System.CommandLine;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ProxyRemoveCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "The proxy id." };
        var command = new Command("rm", "Forget an HAProxy instance (HAProxy keeps its routes).") { id };
        command.Aliases.Add("remove");
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var name = Names.CheckProxy(parse.GetValue(id)!);
            await context.Proxies.RemoveProxyAsync(new V1.RemoveProxyRequest { Id = name }, context.Call(cancellationToken));
            context.Console.MarkupLine($"proxy [bold]{Markup.Escape(name)}[/] removed");
            return ExitCodes.Ok;
        }, NotFoundHint.Proxy(id));
    }
}
