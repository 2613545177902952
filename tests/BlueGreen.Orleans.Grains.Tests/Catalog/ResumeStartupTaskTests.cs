using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Grains.Catalog;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Catalog;

/// <summary>The silo's start, when the catalog names services with unfinished deployments to wake.</summary>
public sealed class ResumeStartupTaskTests
{
    [Fact]
    public async Task Execute_OneServiceFailsToActivate_SiloStartsAndTheOthersAreWoken()
    {
        var storage = new SeededGrainStorage(
            new CatalogState { Services = ["broken", "shop"], Active = ["broken", "shop"], RouteKeysIndexed = true },
            new HashSet<string>(StringComparer.Ordinal) { "broken" });
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage("memory");
            silo.Services.AddGrainStorage(BlueGreenStorage.Name, (services, _) =>
            {
                storage.Inner = services.GetRequiredKeyedService<IGrainStorage>("memory");
                return storage;
            });
            silo.UseInMemoryReminderService();
            silo.AddBlueGreenGrains();
        });
        await using var cluster = builder.Build();

        await cluster.DeployAsync();

        await Eventually.UntilAsync(() => Task.FromResult(storage.ServicesRead.ToArray()), read => read.Contains("shop"), TimeSpan.FromSeconds(10), "shop woken");
        Assert.Contains("broken", storage.ServicesRead);
        Assert.Equal(["broken", "shop"], await cluster.Client.GetGrain<ICatalogGrain>(0).ListActiveAsync());
    }
}
