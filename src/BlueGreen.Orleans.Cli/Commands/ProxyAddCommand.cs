using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ProxyAddCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "The proxy id (e.g. edge-1)." };
        var runtimeApi = new Option<string?>("--runtime-api") { Description = "tcp://host:port or unix:///path of the stats socket (level admin). Required without --agent." };
        var mapFile = new Option<string?>("--map-file") { Description = "The map file as the HAProxy config names it. Required without --agent." };
        var writePath = new Option<string?>("--map-file-write-path") { Description = "Where this orchestrator writes that file, if not the same path." };
        var masterApi = new Option<string?>("--master-api")
        {
            Description = "tcp://host:port or unix:///path of HAProxy's master CLI (haproxy -W -S …): a drain then also counts old workers' sessions after a reload.",
        };
        var labels = new Option<string[]>("--label") { Description = "key=value, repeatable.", AllowMultipleArgumentsPerToken = false };
        var agent = new Option<bool>("--agent")
        {
            Description = "Reach this HAProxy only through the bluegreen-agent beside it (no --runtime-api, --map-file, --master-api): prints a new agent credential, once; again re-issues it and cuts the old one's stream.",
        };
        var credentialFile = new Option<string?>("--credential-file") { Description = "With --agent: write the credential to this file (mode 600) instead of printing it." };
        var command = new Command("add", "Register an HAProxy instance.") { id, runtimeApi, mapFile, writePath, masterApi, labels, agent, credentialFile };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var isAgent = parse.GetValue(agent);
            var file = parse.GetValue(credentialFile) is { } path ? AgentCredentialFile.Check(path) : null;
            if (isAgent && new[] { runtimeApi.Name, mapFile.Name, writePath.Name, masterApi.Name }.FirstOrDefault(name => parse.GetResult(name) is not null) is { } direct)
            {
                throw new CliException($"--agent takes no {direct}: the agent reaches HAProxy and its map file on its own host.");
            }

            if (!isAgent && file is not null)
            {
                throw new CliException("--credential-file is for --agent: a proxy reached directly has no agent credential.");
            }

            var request = new V1.RegisterProxyRequest
            {
                Id = Names.CheckProxy(parse.GetValue(id)!),
                RuntimeApi = isAgent ? string.Empty : parse.GetValue(runtimeApi) ?? throw new CliException("--runtime-api is required (or --agent)."),
                MapFile = isAgent ? string.Empty : parse.GetValue(mapFile) ?? throw new CliException("--map-file is required (or --agent)."),
                MapFileWritePath = parse.GetValue(writePath) ?? string.Empty,
                MasterApi = parse.GetValue(masterApi) ?? string.Empty,
                Agent = isAgent,
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
            if (file is not null && proxy.AgentCredential.Length > 0)
            {
                AgentCredentialFile.Write(file, proxy.AgentCredential);
                proxy.AgentCredential = string.Empty;
            }

            Render.Write(context, proxy, () => Render.Proxy(proxy));
            return ExitCodes.Ok;
        });
    }
}
