using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// A real fleet: N haproxy processes on their own 127.0.0.x addresses, an in-process Orleans cluster running the
/// grains, and a service whose colours are real echo processes started by the process runtime. Blue v1 runs from the
/// start (adopted through <see cref="ServiceSpec.LiveVersion"/>). Everything is stopped by PID on dispose.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    public const string Service = "web";
    public const string Host = "web.local";

    private readonly TempFolder _folder;
    private readonly ProcessInstanceRuntime _runtime;

    private Fleet(TempFolder folder, IReadOnlyList<HaProxyInstance> proxies, InProcessTestCluster cluster, ProcessInstanceRuntime runtime, ServiceSpec spec, StepHooks hooks, FaultyGrainStorage storage, LateCalls lateCalls)
    {
        Storage = storage;
        LateCalls = lateCalls;
        _folder = folder;
        Proxies = proxies;
        Cluster = cluster;
        _runtime = runtime;
        Spec = spec;
        Hooks = hooks;
    }

    public IReadOnlyList<HaProxyInstance> Proxies { get; }

    public InProcessTestCluster Cluster { get; }

    public ServiceSpec Spec { get; }

    public StepHooks Hooks { get; }

    /// <summary>Grain calls made by the silo's grains whose reply is lost and which arrive late, to order.</summary>
    public LateCalls LateCalls { get; }

    /// <summary>The grains' storage (in memory), with faults to order.</summary>
    public FaultyGrainStorage Storage { get; }

    public IServiceGrain ServiceGrain => Cluster.Client.GetGrain<IServiceGrain>(Service);

    public IProxyGrain ProxyGrain(int i) => Cluster.Client.GetGrain<IProxyGrain>(ProxyId(i));

    public static string ProxyId(int i) => $"edge-{i}";

    /// <param name="time">The silo's clock (the system's when null), e.g. one whose wall clock the test steps.</param>
    /// <param name="pollInterval">The deployments' poll interval (50 ms when null); the proxies read what they wait on every 50 ms whatever it is.</param>
    public static async Task<Fleet> StartAsync(int proxyCount = 3, Func<ServiceSpec, ServiceSpec>? customize = null, TimeProvider? time = null, TimeSpan? pollInterval = null)
    {
        var folder = new TempFolder("fleet");
        var proxies = new List<HaProxyInstance>();
        InProcessTestCluster? cluster = null;
        var runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = folder.File("instances") });
        try
        {
            var bluePort = Loopback.FreePort();
            var greenPort = Loopback.FreePort();
            var backends = new ServiceBackends
            {
                Name = Service,
                Blue = [new BackendServer("s1", "127.0.0.1", bluePort)],
                Green = [new BackendServer("s1", "127.0.0.1", greenPort)],
                Check = TestChecks.Fast,
            };
            await HaProxyInstance.AddStartedAsync(
                [.. Enumerable.Range(0, proxyCount).Select(_ => HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = Colour.Blue.Backend(Service) }))],
                proxies);

            var colour = new ColourSpec
            {
                Runtime = "process",
                Command = EchoInstance.Dotnet,
                Arguments = [.. EchoInstance.TemplateArguments],
            };
            var spec = new ServiceSpec
            {
                Name = Service,
                RouteKey = Host,
                Proxies = Enumerable.Range(0, proxyCount).Select(ProxyId).ToImmutableList(),
                Blue = colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", bluePort)] },
                Green = colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", greenPort)] },
                HealthTimeout = TimeSpan.FromSeconds(20),
                DrainTimeout = TimeSpan.FromSeconds(5),
                StopTimeout = TimeSpan.FromSeconds(5),
                LiveVersion = "1",
            };
            spec = customize?.Invoke(spec) ?? spec;

            // Blue v1 runs before the orchestrator takes over, under the name the runtime will look for.
            var blue = Grains.Instances.InstanceSpecs.For(Service, Orleans.Colour.Blue, spec.Blue, "1");
            await Task.WhenAll(blue.Select(b => runtime.StartAsync(b)));

            var hooks = new StepHooks();
            var storage = new FaultyGrainStorage();
            var lateCalls = new LateCalls();
            var builder = new InProcessTestClusterBuilder(1);
            builder.ConfigureSilo((_, silo) =>
            {
                if (time is not null)
                {
                    silo.Services.AddSingleton(time);
                }

                silo.AddMemoryGrainStorage("memory");
                silo.Services.AddGrainStorage(BlueGreenStorage.Name, (services, _) =>
                {
                    storage.Inner = services.GetRequiredKeyedService<IGrainStorage>("memory");
                    return storage;
                });
                silo.UseInMemoryReminderService();
                silo.AddBlueGreenGrains(
                    proxies: o =>
                    {
                        o.Interval = TimeSpan.FromMilliseconds(250);
                        o.ReadFreshness = TimeSpan.FromMilliseconds(50);
                    },
                    deployments: o => o.PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(50),
                    instances: o =>
                    {
                        o.ProcessStateDirectory = folder.File("instances");
                        o.Process.Enabled = true;
                        o.Process.AllowedCommands = [EchoInstance.Dotnet];
                    },
                    registrations: o =>
                    {
                        o.MapsRoot = ServerProcess.TestFilesRoot;
                        o.RuntimeApiSocketDirectories = [ServerProcess.TestFilesRoot];
                    });
                silo.Services.AddSingleton<IDeploymentObserver>(hooks);
                silo.AddOutgoingGrainCallFilter(lateCalls);
            });
            cluster = builder.Build();
            await cluster.DeployAsync();

            for (var i = 0; i < proxies.Count; i++)
            {
                await cluster.Client.GetGrain<IProxyGrain>(ProxyId(i)).RegisterAsync(new ProxyRegistration
                {
                    RuntimeApi = proxies[i].RuntimeApi.ToString(),
                    MapFile = proxies[i].MapFile,
                    MasterApi = proxies[i].MasterApi.ToString(),
                });
            }

            await cluster.Client.GetGrain<IServiceGrain>(Service).ApplyAsync(spec);
            var fleet = new Fleet(folder, proxies, cluster, runtime, spec, hooks, storage, lateCalls);
            await fleet.WaitUntilServingAsync("blue", "1");
            return fleet;
        }
        catch
        {
            await StopAllAsync(folder, proxies, cluster, runtime);
            throw;
        }
    }

    /// <summary>Waits until a request through every proxy lands on the colour and version.</summary>
    public async Task WaitUntilServingAsync(string colour, string version, TimeSpan? timeout = null)
    {
        foreach (var proxy in Proxies)
        {
            using var http = new FrontendClient(proxy.FrontendUrl, TimeSpan.FromSeconds(2));
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        return (await http.GetAsync(Host)).Echo;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        // Refused, or still waiting for a server that is gone (haproxy retries a refused connection
                        // after up to 1 s each): not serving yet.
                        return null;
                    }
                },
                e => e?.Colour == colour && e.Version == version,
                timeout ?? TimeSpan.FromSeconds(10),
                $"{proxy.FrontendUrl} serving {colour} {version}");
        }
    }

    /// <summary>What every proxy serves right now (one request each).</summary>
    public async Task<IReadOnlyList<string>> ServedAsync()
    {
        var served = new List<string>();
        foreach (var proxy in Proxies)
        {
            using var http = new FrontendClient(proxy.FrontendUrl, TimeSpan.FromSeconds(2));
            var echo = (await http.GetAsync(Host)).Echo;
            served.Add(echo is null ? "none" : $"{echo.Colour} {echo.Version}");
        }

        return served;
    }

    public async Task<DeploymentRecord> WaitFinishedAsync(long id, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(() => ServiceGrain.GetDeploymentAsync(id), d => d?.IsFinished == true, timeout ?? TimeSpan.FromSeconds(60), $"deployment {id} finished"))!;

    public Task<InstanceState?> InspectAsync(Orleans.Colour colour) =>
        _runtime.InspectAsync(Grains.Instances.InstanceSpecs.InstanceName(Service, colour, Spec.For(colour).Instances[0]));

    /// <summary>
    /// The service's record as an older backup held it, restored under the running fleet: the store gets it back and
    /// the service grain is deactivated, so its next activation reads it.
    /// </summary>
    public async Task RestoreServiceRecordAsync(Grains.Services.ServiceState older)
    {
        await Storage.RestoreAsync("service", older);
        await DeactivateServiceAsync();
    }

    /// <summary>Asks Orleans to deactivate the service grain (as a graceful silo shutdown or a rebalance would); returns at once.</summary>
    public async Task DeactivateServiceAsync() => await ServiceGrain.AsReference<IGrainManagementExtension>().DeactivateOnIdle();

    public async ValueTask DisposeAsync() => await StopAllAsync(_folder, Proxies, Cluster, _runtime);

    private static async Task StopAllAsync(TempFolder folder, IEnumerable<HaProxyInstance> proxies, InProcessTestCluster? cluster, ProcessInstanceRuntime runtime)
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        foreach (var colour in new[] { Orleans.Colour.Blue, Orleans.Colour.Green })
        {
            await runtime.RemoveAsync($"{Service}-{colour.Name()}-s1");
        }

        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        folder.Dispose();
    }
}
