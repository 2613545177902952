using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// One real haproxy (service <c>web</c>, its key routed to blue) and one in-process silo with its proxy grain registered:
/// the stage of the proxy grain's integration tests. Stops both on dispose, also when the start fails half-way.
/// </summary>
internal sealed class OneProxyStage : IAsyncDisposable
{
    public const string Key = "web.local";

    private OneProxyStage(string proxyId) => ProxyId = proxyId;

    public string ProxyId { get; }

    public HaProxyInstance HaProxy { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IProxyGrain Grain => Cluster.Client.GetGrain<IProxyGrain>(ProxyId);

    /// <param name="monitorInterval">The proxy monitor's tick.</param>
    /// <param name="storage">Wraps the silo's memory storage (to count or fail writes); plain memory storage when null.</param>
    public static async Task<OneProxyStage> StartAsync(string proxyId, TimeSpan monitorInterval, FaultyGrainStorage? storage = null)
    {
        var stage = new OneProxyStage(proxyId);
        try
        {
            var backends = new ServiceBackends
            {
                Name = "web",
                Blue = [new BackendServer("s1", "127.0.0.1", Loopback.FreePort())],
                Green = [new BackendServer("s1", "127.0.0.1", Loopback.FreePort())],
                Check = TestChecks.Fast,
            };
            stage.HaProxy = await HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Key] = "web_blue" });
            var builder = new InProcessTestClusterBuilder(1);
            builder.ConfigureSilo((_, silo) =>
            {
                if (storage is null)
                {
                    silo.AddMemoryGrainStorage(BlueGreenStorage.Name);
                }
                else
                {
                    silo.AddMemoryGrainStorage("memory");
                    silo.Services.AddGrainStorage(BlueGreenStorage.Name, (services, _) =>
                    {
                        storage.Inner = services.GetRequiredKeyedService<IGrainStorage>("memory");
                        return storage;
                    });
                }

                silo.UseInMemoryReminderService();
                silo.AddBlueGreenGrains(proxies: o => o.Interval = monitorInterval, registrations: o => o.MapsRoot = ServerProcess.TestFilesRoot);
            });
            stage.Cluster = builder.Build();
            await stage.Cluster.DeployAsync();
            await stage.Grain.RegisterAsync(new ProxyRegistration { RuntimeApi = stage.HaProxy.RuntimeApi.ToString(), MapFile = stage.HaProxy.MapFile });
            return stage;
        }
        catch
        {
            await stage.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (HaProxy is not null)
        {
            await HaProxy.DisposeAsync();
        }
    }
}
