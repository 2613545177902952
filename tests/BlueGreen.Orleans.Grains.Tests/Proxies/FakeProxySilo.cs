using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Grains.Tests.Integration;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>One in-process silo whose proxy grains reach HAProxy through <see cref="FakeProxyAccessFactory"/>.</summary>
internal static class FakeProxySilo
{
    /// <param name="monitor">The proxy monitor's settings; by default no tick during a test (each step is the grain's answer to one call).</param>
    /// <param name="time">The silo's clock; the system's when null.</param>
    /// <param name="storage">Wraps the silo's memory storage (to count or fail writes); plain memory storage when null.</param>
    public static async Task<InProcessTestCluster> StartAsync(FakeProxyAccessFactory proxies, Action<ProxyMonitorOptions>? monitor = null, TimeProvider? time = null, FaultyGrainStorage? storage = null)
    {
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
            if (time is not null)
            {
                silo.Services.AddSingleton(time);
            }

            silo.AddBlueGreenGrains(proxies: monitor ?? (o => o.Interval = TimeSpan.FromHours(1)), registrations: o => o.MapsRoot = ServerProcess.TestFilesRoot);
            silo.Services.AddSingleton<IProxyAccessFactory>(proxies);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
