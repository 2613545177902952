using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Agent.Routes;

internal sealed partial class RouteKeeper
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Routes v{Version} applied ({Trigger}): {Commands} runtime commands in {Milliseconds:0.###} ms.")]
        public static partial void Applied(ILogger logger, long version, ApplyTrigger trigger, int commands, double milliseconds);

        [LoggerMessage(2, LogLevel.Warning, "Routes v{Version} not applied to HAProxy yet ({Trigger}): {Error}. Retrying every tick.")]
        public static partial void ApplyFailed(ILogger logger, long version, ApplyTrigger trigger, string error);

        [LoggerMessage(3, LogLevel.Warning, "Routes v{Version} refused: {Error}")]
        public static partial void Refused(ILogger logger, long version, string error);

        [LoggerMessage(4, LogLevel.Error, "Routes v{Version} not taken: the state file could not be written: {Error}")]
        public static partial void StateWriteFailed(ILogger logger, long version, string error);

        [LoggerMessage(5, LogLevel.Error, "Routes v{Version}: the map file could not be written: {Error}")]
        public static partial void MapFileFailed(ILogger logger, long version, string error);

        [LoggerMessage(6, LogLevel.Error, "The state file {Path} is unreadable ({Error}); holding no routes and leaving HAProxy as it is until the server sends a version.")]
        public static partial void StateUnreadable(ILogger logger, string path, string error);
    }
}
