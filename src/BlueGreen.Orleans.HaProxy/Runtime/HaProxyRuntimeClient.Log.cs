using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.HaProxy.Runtime;

public sealed partial class HaProxyRuntimeClient
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Connected to HAProxy runtime API {Endpoint} (connection #{Count})")]
        public static partial void Connected(ILogger logger, string endpoint, int count);

        [LoggerMessage(2, LogLevel.Information, "HAProxy {Endpoint}: connection is on stopping worker {Pid} after a reload; reconnecting to the live worker")]
        public static partial void StoppingWorker(ILogger logger, string endpoint, int pid);

        [LoggerMessage(3, LogLevel.Information, "HAProxy {Endpoint}: worker changed from pid {OldPid} to {NewPid}")]
        public static partial void WorkerChanged(ILogger logger, string endpoint, int oldPid, int newPid);

        [LoggerMessage(4, LogLevel.Warning, "HAProxy {Endpoint}: connection lost ({Reason}); reconnecting")]
        public static partial void ConnectionLostRetrying(ILogger logger, string endpoint, string reason);

        [LoggerMessage(5, LogLevel.Warning, "HAProxy {Endpoint}: the reply to '{Command}' passed {Limit} bytes; connection dropped")]
        public static partial void ReplyTooLarge(ILogger logger, string endpoint, string command, int limit);
    }
}
