using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ProxyAddCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "The proxy id (e.g. edge-1)." };
        var runtimeApi = new Option<string>("--runtime-api") { Description = "tcp://host:port or unix:///path of the stats socket (level admin).", Required = true };
        var mapFile = new Option<string>("--map-file") { Description = "The map file as the HAProxy config names it.", Required = true };
        var writePath = new Option<string?>("--map-file-write-path") { Description = "Where this orchestrator writes that file, if not the same path." };
        var masterApi = new Option<string?>("--master-api")
        {
            Description = "tcp://host:port or unix:///path of HAProxy's master CLI (haproxy -W -S …): a drain then also counts old workers' sessions after a reload.",
        };
        var labels = new Option<string[]>("--label") { Description = "key=value, repeatable.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("add", "Register an HAProxy instance.") { id, runtimeApi, mapFile, writePath, masterApi, labels };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var request = new V1.RegisterProxyRequest
            {
                Id = Names.CheckProxy(parse.GetValue(id)!),
                RuntimeApi = parse.GetValue(runtimeApi)!,
                MapFile = parse.GetValue(mapFile)!,
                MapFileWritePath = parse.GetValue(writePath) ?? string.Empty,
                MasterApi = parse.GetValue(masterApi) ?? string.Empty,
            };
            foreach (var label in parse.GetValue(labels) ?? [])
            {
                var eq = label.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new CliException($"--label '{Names.Printable(label)}': use key=value.");
                }

                request.Labels[label[..eq]] = label[(eq + 1)..];
            }

            var proxy = await context.Proxies.RegisterProxyAsync(request, context.Call(cancellationToken));
            Render.Write(context, proxy, () => Render.Proxy(proxy));
            return ExitCodes.Ok;
        });
    }
}
