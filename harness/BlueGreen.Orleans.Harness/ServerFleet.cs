using System.Globalization;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;

namespace BlueGreen.Orleans.Harness;

/// <summary>
/// One real bluegreen-server (embedded: silo and gateway) and one or more real haproxy processes (each on its own
/// loopback address) with blue and green backends for each named service, on free loopback ports; blue v1 of a service can be started the way it ran before the orchestrator
/// took over, through the same process runtime and state folder as the server's, so the server can stop it like an
/// instance it started itself. Everything is stopped by PID on dispose.
/// </summary>
public sealed class ServerFleet : IAsyncDisposable
{
    private readonly TempFolder _folder;
    private readonly IReadOnlyList<string> _services;
    private ProcessInstanceRuntime? _runtime;

    private ServerFleet(TempFolder folder, IReadOnlyList<string> services, IReadOnlyDictionary<string, (int Blue, int Green)> ports)
    {
        _folder = folder;
        _services = services;
        Ports = ports;
    }

    public ServerProcess Server { get; private set; } = null!;

    /// <summary>The first haproxy.</summary>
    public HaProxyInstance Proxy => Proxies[0];

    /// <summary>Every haproxy of the fleet (one unless StartAsync was asked for more).</summary>
    public IReadOnlyList<HaProxyInstance> Proxies { get; private set; } = [];

    /// <summary>Each service's blue and green port (one server, <c>s1</c>, per colour).</summary>
    public IReadOnlyDictionary<string, (int Blue, int Green)> Ports { get; }

    public string DataDirectory => _folder.File("data");

    public static async Task<ServerFleet> StartAsync(string name, IReadOnlyList<string> services, HealthCheck check, int proxies = 1)
    {
        var ports = services.ToDictionary(s => s, _ => (Loopback.FreePort(), Loopback.FreePort()), StringComparer.Ordinal);
        var fleet = new ServerFleet(new TempFolder(name), services, ports);
        try
        {
            var backends = services.Select(s => new ServiceBackends
            {
                Name = s,
                Blue = [new BackendServer("s1", "127.0.0.1", ports[s].Item1)],
                Green = [new BackendServer("s1", "127.0.0.1", ports[s].Item2)],
                Check = check,
            }).ToList();
            var started = new List<HaProxyInstance>();
            fleet.Proxies = started;
            for (var i = 0; i < proxies; i++)
            {
                started.Add(await HaProxyInstance.StartAsync(backends));
            }

            fleet._runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(fleet.DataDirectory, "instances") });
            fleet.Server = new ServerProcess(fleet.DataDirectory);
            await fleet.Server.StartAsync();
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts blue of a service (the echo server) as if it ran before the orchestrator took over.</summary>
    public Task StartBlueAsync(string service, string version = "1") =>
        _runtime!.StartAsync(new InstanceSpec
        {
            Name = $"{service}-blue-s1",
            Command = EchoInstance.Dotnet,
            Arguments = [EchoInstance.DllPath, "--address", "127.0.0.1", "--port", Ports[service].Blue.ToString(CultureInfo.InvariantCulture), "--colour", "blue", "--version", version],
            Address = "127.0.0.1",
            Port = Ports[service].Blue,
        });

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.KillAsync();
        }

        if (_runtime is not null)
        {
            foreach (var name in _services)
            {
                await _runtime.RemoveAsync($"{name}-blue-s1");
                await _runtime.RemoveAsync($"{name}-green-s1");
            }

            _runtime.Dispose();
        }

        foreach (var proxy in Proxies)
        {
            await proxy.DisposeAsync();
        }

        _folder.Dispose();
    }
}
