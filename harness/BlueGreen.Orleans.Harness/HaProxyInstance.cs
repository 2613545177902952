using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Harness;

/// <summary>A real haproxy process on its own 127.0.0.x address, with a rendered config and map file in a temp folder.</summary>
public sealed class HaProxyInstance : IAsyncDisposable
{
    private readonly TempFolder _folder;
    private LocalHaProxy _process;

    private HaProxyInstance(TempFolder folder, HaProxyConfig config, string configPath, LocalHaProxy process)
    {
        _folder = folder;
        Config = config;
        ConfigPath = configPath;
        _process = process;
    }

    public HaProxyConfig Config { get; }

    public string ConfigPath { get; }

    public string Address => Config.Frontend.Address;

    public Uri FrontendUrl => new($"http://{Config.Frontend}/");

    public RuntimeEndpoint RuntimeApi => _process.RuntimeApi;

    /// <summary>The master CLI (<c>-S</c>, a unix socket in the instance's folder): sees old workers after a reload.</summary>
    public RuntimeEndpoint MasterApi => _process.MasterApi!;

    public string MapFile => Config.MapFile;

    public int MasterPid => _process.MasterPid;

    public bool HasExited => _process.HasExited;

    /// <summary>Renders a config for these services, writes the initial routes to the map file and starts haproxy.</summary>
    public static async Task<HaProxyInstance> StartAsync(
        IReadOnlyList<ServiceBackends> services,
        IReadOnlyDictionary<string, string>? routes = null,
        bool unixSocket = false,
        string? address = null,
        CancellationToken cancellationToken = default)
    {
        var folder = new TempFolder("haproxy");
        try
        {
            address ??= Loopback.NextAddress();
            var config = new HaProxyConfig
            {
                Name = $"proxy-{address}",
                Frontend = new ListenAddress(address, Loopback.FreePort(address)),
                RuntimeApi = unixSocket ? $"unix://{folder.File("admin.sock")}" : $"tcp://{address}:{Loopback.FreePort(address)}",
                MasterApi = $"unix://{folder.File("master.sock")}",
                StatsPage = new ListenAddress(address, Loopback.FreePort(address)),
                MapFile = folder.File("hosts.map"),
                Services = services,
            };
            await BlueGreen.Orleans.HaProxy.Maps.MapFile.WriteAsync(
                config.MapFile, (routes ?? new Dictionary<string, string>()).Select(r => new MapEntry(r.Key, r.Value)), cancellationToken);
            var configPath = folder.File("haproxy.cfg");
            await File.WriteAllTextAsync(configPath, HaProxyConfigRenderer.Render(config), cancellationToken);
            var process = await StartProcessAsync(configPath, config, cancellationToken);
            return new HaProxyInstance(folder, config, configPath, process);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for <paramref name="starts"/> (running together) and adds every haproxy that started to
    /// <paramref name="into"/>, also when one beside it failed; then throws the first failure. The caller stops what
    /// <paramref name="into"/> holds, so no started haproxy is left running: <see cref="Task.WhenAll(IEnumerable{Task})"/>
    /// alone would drop the ones that started beside a failure.
    /// </summary>
    public static async Task AddStartedAsync(IReadOnlyList<Task<HaProxyInstance>> starts, ICollection<HaProxyInstance> into)
    {
        await Task.WhenAll(starts).ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var started in starts.Where(t => t.IsCompletedSuccessfully))
        {
            into.Add(started.Result);
        }

        if (starts.FirstOrDefault(t => !t.IsCompletedSuccessfully) is { } failed)
        {
            await failed;
        }
    }

    public HaProxyRuntimeClient CreateClient(HaProxyRuntimeOptions? options = null) => new(RuntimeApi, options);

    public HaProxyMasterClient CreateMasterClient(HaProxyRuntimeOptions? options = null) => new(MasterApi, options);

    public RouteMap CreateRouteMap(HaProxyRuntimeClient client) => new(client, MapFile);

    /// <summary>SIGUSR2 to the master; returns the new worker's pid once it answers.</summary>
    public Task<int> ReloadAsync(CancellationToken cancellationToken = default) => _process.ReloadAsync(cancellationToken: cancellationToken);

    /// <summary>Kills haproxy by PID and starts it again from the same config and map file.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _process.DisposeAsync();
        _process = await StartProcessAsync(ConfigPath, Config, cancellationToken);
    }

    public Task StopAsync() => _process.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _folder.Dispose();
    }

    private static async Task<LocalHaProxy> StartProcessAsync(string configPath, HaProxyConfig config, CancellationToken cancellationToken)
    {
        var process = await LocalHaProxy.StartAsync(
            configPath, RuntimeEndpoint.Parse(config.RuntimeApi), cancellationToken: cancellationToken, masterApi: RuntimeEndpoint.Parse(config.MasterApi!));
        TrackedProcesses.Track(process.Process);
        return process;
    }
}
