using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Instances;

public sealed partial class DockerInstanceRuntime
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Container {Name} ({ContainerId}) exists; stopping and removing it before recreating it")]
        public static partial void Recreating(ILogger logger, string name, string containerId);

        [LoggerMessage(2, LogLevel.Information, "Started container {Name} ({ContainerId}) from image {Image}")]
        public static partial void Started(ILogger logger, string name, string containerId, string image);

        [LoggerMessage(3, LogLevel.Information, "Stopped container {Name} ({ContainerId}); SIGKILL after {TimeoutSeconds} s")]
        public static partial void Stopped(ILogger logger, string name, string containerId, uint timeoutSeconds);

        [LoggerMessage(4, LogLevel.Information, "Removed container {Name} ({ContainerId})")]
        public static partial void Removed(ILogger logger, string name, string containerId);

        [LoggerMessage(5, LogLevel.Debug, "No container {Name}: nothing to {Operation}")]
        public static partial void Absent(ILogger logger, string name, string operation);

        [LoggerMessage(6, LogLevel.Warning, "Docker resolved {Name} to container {ContainerId} named {ActualName} (an id prefix match); treating the name as absent")]
        public static partial void NotOurName(ILogger logger, string name, string containerId, string actualName);

        [LoggerMessage(7, LogLevel.Warning, "Container {Name} ({ContainerId}) was created but did not start: {Reason}")]
        public static partial void StartFailed(ILogger logger, string name, string containerId, string reason);
    }
}
