using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Agent;

internal sealed partial class AgentCore
{
    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Agent started holding routes v{Version} ({Routes} routes).")]
        public static partial void Started(ILogger logger, long version, int routes);

        [LoggerMessage(11, LogLevel.Warning, "HAProxy changed ({Change}): re-applying routes v{Version}.")]
        public static partial void HaProxyChanged(ILogger logger, string change, long version);

        [LoggerMessage(12, LogLevel.Warning, "HAProxy cannot be read: {Error}")]
        public static partial void Unreachable(ILogger logger, string error);

        [LoggerMessage(13, LogLevel.Information, "HAProxy answers again (worker {Pid}).")]
        public static partial void Reachable(ILogger logger, int pid);
    }
}
