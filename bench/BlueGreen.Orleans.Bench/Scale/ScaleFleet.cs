using System.Diagnostics;
using System.Globalization;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>
/// Every process of the scale run: one redis-server, one blue and one green echo process shared by every service's
/// servers, one haproxy per proxy (each on its own 127.0.0.x, each config holding every service's two backends), and
/// two silos (role Silo) clustered over that Redis. Everything is stopped by PID on dispose, also after a failure.
/// </summary>
internal sealed class ScaleFleet : IAsyncDisposable
{
    public const string BlueVersion = "1";

    public const string GreenVersion = "2";

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly TempFolder _folder = new("scale");

    private ScaleFleet()
    {
    }

    public RedisServer Redis { get; private set; } = null!;

    public EchoInstance Blue { get; private set; } = null!;

    public EchoInstance Green { get; private set; } = null!;

    public IReadOnlyList<HaProxyInstance> Proxies { get; private set; } = [];

    public IReadOnlyList<ServerProcess> Silos { get; private set; } = [];

    /// <summary>How long starting the haproxy processes took (rendering, writing and loading their configs).</summary>
    public TimeSpan ProxyStartTime { get; private set; }

    /// <summary>Size of one rendered haproxy.cfg, in bytes.</summary>
    public long ConfigBytes { get; private set; }

    public static string ServiceName(int index) => string.Create(CultureInfo.InvariantCulture, $"svc-{index:D4}");

    public static string RouteKey(int index) => ServiceName(index) + ".scale.local";

    public static string ProxyId(int index) => string.Create(CultureInfo.InvariantCulture, $"edge-{index:D2}");

    public static async Task<ScaleFleet> StartAsync(ScaleOptions options, CancellationToken cancellationToken)
    {
        var fleet = new ScaleFleet();
        try
        {
            await fleet.StartProcessesAsync(options, cancellationToken);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Silos first (they hold connections to everything else), then the rest in reverse order of start.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
            {
                Console.Error.WriteLine($"stopping a process failed: {e.Message}");
            }
        }

        _folder.Dispose();
    }

    private async Task StartProcessesAsync(ScaleOptions options, CancellationToken cancellationToken)
    {
        Redis = Own(await RedisServer.StartAsync());
        Blue = Own(await EchoInstance.StartAsync("blue", BlueVersion, "127.0.0.1", cancellationToken: cancellationToken));
        Green = Own(await EchoInstance.StartAsync("green", GreenVersion, "127.0.0.1", cancellationToken: cancellationToken));
        Console.WriteLine($"redis on {Redis.ConnectionString}; echo blue pid {Blue.Pid} on {Blue.Address}:{Blue.Port}, green pid {Green.Pid} on {Green.Address}:{Green.Port}");

        // Every proxy holds every service: <service>_blue → the blue echo, <service>_green → the green echo. The map
        // starts empty: registering the services is what writes the routes.
        var services = Enumerable.Range(0, options.Services).Select(i => new ServiceBackends
        {
            Name = ServiceName(i),
            Blue = [Blue.AsServer("b1")],
            Green = [Green.AsServer("g1")],
            Check = options.Check,
        }).ToList();

        var started = Stopwatch.StartNew();
        var proxies = new List<HaProxyInstance>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Proxies; i++)
        {
            var address = Loopback.NextAddress();
            while (!used.Add(address))
            {
                address = Loopback.NextAddress();
            }

            proxies.Add(Own(await StartProxyAsync(services, address, cancellationToken)));
        }

        ProxyStartTime = started.Elapsed;
        Proxies = proxies;
        ConfigBytes = new FileInfo(proxies[0].ConfigPath).Length;
        Console.WriteLine($"{proxies.Count} haproxy started in {ProxyStartTime.TotalSeconds:0.0} s ({options.Services * 2} servers each, config {ConfigBytes / 1024} KiB)");

        // Two silos over one Redis: membership, grain storage and reminders all in Redis. The product's own default
        // intervals (monitor 1 s, poll 100 ms) rather than the harness's faster test values.
        var cluster = $"scale{Guid.NewGuid():N}";
        string[] intervals =
        [
            "--BlueGreen:ProxyMonitorInterval", options.MonitorInterval.ToString("c", CultureInfo.InvariantCulture),
            "--BlueGreen:DeploymentPollInterval", options.PollInterval.ToString("c", CultureInfo.InvariantCulture),
        ];
        var silos = new List<ServerProcess>();
        for (var i = 0; i < 2; i++)
        {
            var silo = Own(new ServerProcess(_folder.File($"silo{i}"), Redis.ConnectionString, cluster, role: "Silo", extraArguments: intervals, processCommands: []));
            await silo.StartAsync();
            silos.Add(silo);
            Console.WriteLine($"silo {i} pid {silo.Pid} (silo port {silo.SiloPort})");
        }

        Silos = silos;
    }

    /// <summary>
    /// Starts one haproxy, trying again (new ports, new folder) when it did not answer: with ~2,000 servers a start
    /// takes seconds on a loaded 2-core machine and can pass the harness's 10 s, and a port picked free can be taken
    /// by another process before haproxy binds it.
    /// </summary>
    private static async Task<HaProxyInstance> StartProxyAsync(List<ServiceBackends> services, string address, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await HaProxyInstance.StartAsync(services, address: address, cancellationToken: cancellationToken);
            }
            catch (TimeoutException e) when (attempt < 3)
            {
                Console.Error.WriteLine($"haproxy on {address} did not start (attempt {attempt}): {e.Message}");
            }
        }
    }

    private T Own<T>(T process)
        where T : IAsyncDisposable
    {
        _owned.Add(process);
        return process;
    }
}
