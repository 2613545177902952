using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Catalog;

/// <summary>
/// At silo start, wakes every registered proxy (so its monitor runs) and every service with an unfinished
/// deployment (so it resumes). Reminders do the same within a minute; this makes it immediate. The first start after
/// an upgrade also claims the route keys of the services that exist.
/// </summary>
internal sealed partial class ResumeStartupTask(IGrainFactory grains, ILogger<ResumeStartupTask> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        var catalog = grains.GetCatalogGrain();
        if (await catalog.NeedsRouteKeyIndexAsync())
        {
            // Once, for services applied before route keys were claimed: read from here, not from inside the catalog,
            // so a service grain calling the catalog meanwhile cannot deadlock with it.
            var services = await catalog.ListServicesAsync();
            var infos = await Task.WhenAll(services.Select(s => grains.GetGrain<IServiceGrain>(s).GetAsync()));
            await catalog.IndexRouteKeysAsync([.. infos.OfType<ServiceInfo>().Select(i => KeyValuePair.Create(i.Spec.RouteKey, i.Spec.Name))]);
        }

        var proxies = await catalog.ListProxiesAsync();
        await Task.WhenAll(proxies.Select(p => grains.GetGrain<IProxyGrain>(p).GetStatusAsync()));
        var active = await catalog.ListActiveAsync();
        await Task.WhenAll(active.Select(s => grains.GetGrain<IServiceGrain>(s).GetAsync()));
        Log.Resumed(logger, proxies.Count, active.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Woke {Proxies} proxies and {Services} services with unfinished deployments")]
        public static partial void Resumed(ILogger logger, int proxies, int services);
    }
}
