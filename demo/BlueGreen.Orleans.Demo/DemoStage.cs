using System.Globalization;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Harness;
using Spectre.Console;

namespace BlueGreen.Orleans.Demo;

/// <summary>
/// Everything the demo runs, owned so that it is all stopped by PID on dispose — at the end, on a failure and on
/// Ctrl-C: the embedded server, the haproxy instances, the echo instances the server started, the temp folder.
/// </summary>
internal sealed class DemoStage : IAsyncDisposable
{
    private readonly TempFolder _folder = new("bluegreen-demo");
    private readonly List<HaProxyInstance> _proxies = [];
    private readonly IAnsiConsole _console;
    private readonly IAnsiConsole _cliConsole;
    private ProcessInstanceRuntime? _instances;

    public DemoStage(IAnsiConsole console)
    {
        _console = console;

        // The CLI prints one line per deployment event (as in a pipe), so the load ticker can print between them.
        _cliConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        _cliConsole.Profile.Width = console.Profile.Width;
    }

    public ServerProcess Server { get; private set; } = null!;

    public IReadOnlyList<HaProxyInstance> Proxies => _proxies;

    public (int Blue, int Green) Ports { get; } = (Loopback.FreePort(), Loopback.FreePort());

    public string DataDirectory => _folder.File("data");

    public async Task StartAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        var service = new ServiceBackends
        {
            Name = DemoOptions.Service,
            Blue = [new BackendServer("s1", "127.0.0.1", Ports.Blue)],
            Green = [new BackendServer("s1", "127.0.0.1", Ports.Green)],
            Check = new HealthCheck(),
        };
        var routes = new Dictionary<string, string> { [DemoOptions.RouteKey] = Colour.Blue.Backend(DemoOptions.Service) };
        var starts = Enumerable.Range(0, options.Proxies).Select(_ => HaProxyInstance.StartAsync([service], routes, cancellationToken: cancellationToken)).ToList();
        foreach (var start in starts)
        {
            try
            {
                _proxies.Add(await start);
            }
            catch (Exception) when (starts.Any(s => !s.IsCompletedSuccessfully))
            {
                // Keep the ones that did start so that dispose stops them; report the first failure below.
            }
        }

        await Task.WhenAll(starts);
        foreach (var proxy in _proxies)
        {
            _console.MarkupLineInvariant($"  haproxy [bold]{proxy.Config.Name}[/] pid {proxy.MasterPid}: frontend {proxy.FrontendUrl}, Runtime API {proxy.RuntimeApi}");
        }

        // Blue v1 runs before the orchestrator takes over (the service spec adopts it as live_version 1).
        _instances = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(DataDirectory, "instances") });
        var blue = await _instances.StartAsync(new InstanceSpec
        {
            Name = InstanceName(Colour.Blue),
            Command = EchoInstance.Dotnet,
            Arguments = [EchoInstance.DllPath, "--address", "127.0.0.1", "--port", Ports.Blue.ToString(CultureInfo.InvariantCulture), "--colour", "blue", "--version", "1"],
            Address = "127.0.0.1",
            Port = Ports.Blue,
        }, cancellationToken);
        _console.MarkupLineInvariant($"  echo [blue]blue[/] v1 pid {blue.Id} on 127.0.0.1:{Ports.Blue}");

        Server = new ServerProcess(DataDirectory);
        await Server.StartAsync();
        _console.MarkupLineInvariant($"  bluegreen-server (embedded, SQLite in {DataDirectory}) gRPC on 127.0.0.1:{Server.GrpcPort}");
    }

    /// <summary>The service spec the demo applies: echo processes started by the server's process runtime.</summary>
    public string WriteSpec()
    {
        var path = _folder.File("web.yaml");
        string Colour(string name, int port) => $$"""
            {{name}}:
              command: {{EchoInstance.Dotnet}}
              arguments: ["{{EchoInstance.DllPath}}", "--address", "{address}", "--port", "{port}", "--colour", "{colour}", "--version", "{version}"]
              instances: [{ server: s1, address: 127.0.0.1, port: {{port}} }]
            """;
        File.WriteAllText(path, string.Join('\n',
            $"name: {DemoOptions.Service}",
            $"route_key: {DemoOptions.RouteKey}",
            $"proxies: [{string.Join(", ", _proxies.Select((_, i) => ProxyId(i)))}]",
            "live_version: \"1\"",
            "health_timeout: 30s",
            "drain_timeout: 10s",
            "keep_warm: 10m",
            Colour("blue", Ports.Blue),
            Colour("green", Ports.Green)));
        return path;
    }

    public static string ProxyId(int index) => $"edge-{index + 1}";

    /// <summary>Runs the real CLI in-process, printing the command (without the token) and its output.</summary>
    public async Task<int> CliAsync(CancellationToken cancellationToken, params string[] args)
    {
        _console.WriteLine();
        _console.MarkupLineInvariant($"[grey]$[/] [bold]bluegreen {Markup.Escape(string.Join(' ', args))}[/]");
        var exit = await BlueGreenCli.RunAsync(
            [.. args, "--server", $"http://127.0.0.1:{Server.GrpcPort}", "--token", ServerProcess.AdminToken],
            _cliConsole,
            cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return exit;
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_instances is not null)
        {
            // The server started these with setsid so they outlive it; they end with the demo.
            foreach (var colour in new[] { Colour.Blue, Colour.Green })
            {
                await _instances.RemoveAsync(InstanceName(colour));
            }

            _instances.Dispose();
        }

        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }

        _folder.Dispose();
    }

    private static string InstanceName(Colour colour) =>
        $"{DemoOptions.Service}-{colour.ToString().ToLowerInvariant()}-s1";
}
