using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Catalog;

internal sealed partial class CatalogGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Route key {RouteKey} is in the specs of services {Owner} and {Other}, saved before route keys were claimed: {Owner} keeps it; apply {Other} with another key")]
        public static partial void RouteKeyShared(ILogger logger, string routeKey, string owner, string other);
    }
}
