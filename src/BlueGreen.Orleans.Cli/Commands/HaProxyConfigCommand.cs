using System.CommandLine;
using System.Globalization;
using System.Net;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.HaProxy.Config;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

/// <summary>
/// <c>bluegreen haproxy config</c>: the haproxy.cfg that serves the given specs, from the renderer the tests and the demo
/// run (frontend map lookup, both backends of each service with its servers and health checks, the admin socket, the
/// master CLI start line). Offline: it talks to no server, so it needs no token.
/// </summary>
internal static class HaProxyConfigCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var files = new Option<string[]>("--file", "-f") { Description = "Service specs (.yaml, .yml or .json); repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true };
        var name = new Option<string>("--name") { Description = "The proxy's id, written at the top of the file.", DefaultValueFactory = _ => "edge-1" };
        var frontend = new Option<string>("--frontend") { Description = "Where the HTTP frontend listens (address:port).", DefaultValueFactory = _ => "0.0.0.0:80" };
        var runtimeApi = new Option<string>("--runtime-api") { Description = "The admin socket the orchestrator reaches (unix:///path or tcp://address:port).", DefaultValueFactory = _ => "unix:///run/haproxy/admin.sock" };
        var socketGroup = new Option<string?>("--socket-group") { Description = "A group that may also use the Runtime API's unix socket (mode 660), e.g. haproxy when bluegreen-agent is in it; by default only HAProxy's user (mode 600)." };
        var user = new Option<string?>("--user") { Description = "The user HAProxy's workers run as (global 'user'), e.g. haproxy; by default the one that started HAProxy (root under Debian's unit)." };
        var group = new Option<string?>("--group") { Description = "The group HAProxy's workers run as (global 'group'), e.g. haproxy." };
        var chroot = new Option<string?>("--chroot") { Description = "An empty folder HAProxy's workers are jailed in (global 'chroot'), e.g. /var/lib/haproxy; the master is not." };
        var masterApi = new Option<string>("--master-api") { Description = "The master CLI socket ('none' for none).", DefaultValueFactory = _ => "unix:///run/haproxy/master.sock" };
        var mapFile = new Option<string>("--map-file") { Description = "The map file the frontend routes by (under the server's BlueGreen:Proxies:MapsRoot).", DefaultValueFactory = _ => "/var/lib/bluegreen/maps/hosts.map" };
        var stats = new Option<string?>("--stats") { Description = "Where a stats page listens (address:port); none by default." };
        var checkPath = new Option<string>("--check-path") { Description = "The HTTP path of the health checks.", DefaultValueFactory = _ => "/healthz" };
        var command = new Command("config", "Print the HAProxy configuration that serves these services (offline: no server, no token).")
        {
            files, name, frontend, runtimeApi, socketGroup, user, group, chroot, masterApi, mapFile, stats, checkPath,
        };
        command.SetAction(parse =>
        {
            try
            {
                var specs = parse.GetValue(files)!.Select(f => SpecChecks.Check(SpecFile.Load(f))).ToList();
                var master = parse.GetValue(masterApi)!;
                var config = new HaProxyConfig
                {
                    Name = parse.GetValue(name)!,
                    Frontend = Listen(parse.GetValue(frontend)!, "--frontend"),
                    RuntimeApi = parse.GetValue(runtimeApi)!,
                    RuntimeApiGroup = parse.GetValue(socketGroup),
                    User = parse.GetValue(user),
                    Group = parse.GetValue(group),
                    Chroot = parse.GetValue(chroot),
                    MasterApi = master == "none" ? null : master,
                    MapFile = parse.GetValue(mapFile)!,
                    StatsPage = parse.GetValue(stats) is { } page ? Listen(page, "--stats") : null,
                    Services = specs.Select(s => Backends(s, parse.GetValue(checkPath)!)).ToList(),
                };
                if (HaProxyConfigValidator.Validate(config) is { Count: > 0 } problems)
                {
                    throw new CliException(string.Join(" ", problems), ExitCodes.Usage);
                }

                // Plain text on stdout, so `> haproxy.cfg` gets the file exactly as rendered.
                console.Profile.Out.Writer.Write(HaProxyConfigRenderer.Render(config));
                return ExitCodes.Ok;
            }
            catch (CliException e)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return e.ExitCode;
            }
        });
        return command;
    }

    private static ServiceBackends Backends(V1.ServiceSpec spec, string checkPath)
    {
        static IReadOnlyList<BackendServer> Servers(V1.ColourSpec? colour) =>
            (colour?.Instances ?? []).Select(i => new BackendServer(i.Server, i.Address, i.Port)).ToList();
        return new ServiceBackends { Name = spec.Name, Blue = Servers(spec.Blue), Green = Servers(spec.Green), Check = new HealthCheck { Path = checkPath } };
    }

    private static ListenAddress Listen(string value, string option)
    {
        var colon = value.LastIndexOf(':');
        // .NET's number and address parsers forgive trailing NULs and spaces; a config line must not get them.
        if (colon > 0 && value.All(c => c is > ' ' and < (char)0x7f)
            && IPAddress.TryParse(value[..colon].Trim('[', ']'), out var address)
            && int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            return new ListenAddress(address.ToString(), port);
        }

        throw new CliException($"{option} '{Names.Printable(value)}': use address:port, e.g. 0.0.0.0:80 or 127.0.0.1:8404.", ExitCodes.Usage);
    }
}
