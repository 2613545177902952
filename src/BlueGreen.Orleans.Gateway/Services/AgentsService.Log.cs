using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Gateway.Services;

internal sealed partial class AgentsService
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Agent stream refused: the hello names another proxy than the one its credential is bound to ({ProxyId})")]
        public static partial void WrongProxy(ILogger logger, string proxyId);

        [LoggerMessage(2, LogLevel.Information, "Agent stream of proxy {ProxyId} cut: {Verdict}")]
        public static partial void Cut(ILogger logger, string proxyId, string verdict);
    }
}
