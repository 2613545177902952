using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Agent.Control;

internal sealed partial class ControlPlaneClient
{
    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Connected to {Server}, holding routes v{Version}.")]
        public static partial void Connected(ILogger logger, string server, long version);

        [LoggerMessage(21, LogLevel.Warning, "No stream to the server ({Reason}); HAProxy keeps its routes; trying again in {Seconds:0.#} s.")]
        public static partial void Disconnected(ILogger logger, string reason, double seconds);

        [LoggerMessage(23, LogLevel.Error, "The stream to the server failed; HAProxy keeps its routes; trying again in 5 s.")]
        public static partial void StreamFailed(ILogger logger, Exception exception);

        [LoggerMessage(22, LogLevel.Warning, "The server sent a message this agent does not know ({Kind}); ignored.")]
        public static partial void UnknownMessage(ILogger logger, string kind);
    }
}
