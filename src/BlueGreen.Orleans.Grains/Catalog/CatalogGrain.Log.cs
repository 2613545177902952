using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Catalog;

internal sealed partial class CatalogGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Route key {RouteKey} is in the specs of services {Owner} and {Other}, saved before route keys were claimed: {Owner} keeps it; apply {Other} with another key")]
        public static partial void RouteKeyShared(ILogger logger, string routeKey, string owner, string other);

        [LoggerMessage(2, LogLevel.Warning, "Catalog: a write failed and the stored catalog could not be read back; memory holds the catalog as before the write")]
        public static partial void RereadFailed(ILogger logger, Exception exception);
    }
}
