using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Instances;

public sealed partial class ProcessInstanceRuntime
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Started process instance {Name} (pid {Pid}): {Command}; output in {LogFile}")]
        public static partial void Started(ILogger logger, string name, int pid, string command, string logFile);

        [LoggerMessage(2, LogLevel.Information, "Stopping process instance {Name} (pid {Pid}, process group: {Group}) with SIGTERM; SIGKILL after {TimeoutMs} ms")]
        public static partial void Stopping(ILogger logger, string name, int pid, bool group, long timeoutMs);

        [LoggerMessage(3, LogLevel.Warning, "Process instance {Name} (pid {Pid}) still runs {TimeoutMs} ms after SIGTERM; sending SIGKILL")]
        public static partial void Killing(ILogger logger, string name, int pid, long timeoutMs);

        [LoggerMessage(4, LogLevel.Information, "Stopped process instance {Name} (pid {Pid}), exit code {ExitCode}")]
        public static partial void Stopped(ILogger logger, string name, int pid, long? exitCode);

        [LoggerMessage(5, LogLevel.Debug, "No running process for instance {Name}: nothing to {Operation}")]
        public static partial void NotRunning(ILogger logger, string name, string operation);

        [LoggerMessage(6, LogLevel.Information, "Removed process instance {Name} and its pid and log files")]
        public static partial void Removed(ILogger logger, string name);

        [LoggerMessage(7, LogLevel.Warning, "Process instance {Name}: pid {Pid} was started but never recorded (the orchestrator stopped mid-start); stopping it")]
        public static partial void StoppingUnrecorded(ILogger logger, string name, int pid);

        [LoggerMessage(8, LogLevel.Information, "Adopted process {Pid} listening on {Address}:{Port} as instance {Name}: it is stopped like one started here")]
        public static partial void Adopted(ILogger logger, string name, int pid, string address, int port);
    }
}
