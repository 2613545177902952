using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Catalog;

/// <summary>
/// At silo start, wakes every registered proxy (so its monitor runs) and every service with an unfinished
/// deployment (so it resumes). Reminders do the same within a minute; this makes it immediate. The first start after
/// an upgrade also claims the route keys of the services that exist. One grain that fails to wake (its state cannot
/// be read) is logged and skipped: it must not keep the silo, and every other service, from starting.
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
            var infos = await Task.WhenAll(services.Select(s => WakeAsync("service", s, () => grains.GetGrain<IServiceGrain>(s).GetAsync())));
            await catalog.IndexRouteKeysAsync([.. infos.OfType<ServiceInfo>().Select(i => KeyValuePair.Create(i.Spec.RouteKey, i.Spec.Name))]);
        }

        var proxies = await catalog.ListProxiesAsync();
        await Task.WhenAll(proxies.Select(p => WakeAsync("proxy", p, () => grains.GetGrain<IProxyGrain>(p).GetRegistrationAsync())));
        var active = await catalog.ListActiveAsync();
        await Task.WhenAll(active.Select(s => WakeAsync("service", s, () => grains.GetGrain<IServiceGrain>(s).GetAsync())));
        Log.Resumed(logger, proxies.Count, active.Count);
    }

    /// <summary>The grain's answer, or default when it failed (logged); its reminder tries again later.</summary>
    private async Task<T?> WakeAsync<T>(string kind, string id, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e)
        {
            Log.WakeFailed(logger, kind, id, e);
            return default;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Woke {Proxies} proxies and {Services} services with unfinished deployments")]
        public static partial void Resumed(ILogger logger, int proxies, int services);

        [LoggerMessage(2, LogLevel.Error, "Could not wake {Kind} '{Id}' at startup; skipped, the silo starts without it")]
        public static partial void WakeFailed(ILogger logger, string kind, string id, Exception exception);
    }
}
