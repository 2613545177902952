using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Services;

internal sealed partial class ServiceGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Service {Service}: started {Deployment}")]
        public static partial void Started(ILogger logger, string service, string deployment);

        [LoggerMessage(2, LogLevel.Information, "Service {Service}: resuming {Deployment}")]
        public static partial void Resuming(ILogger logger, string service, string deployment);

        [LoggerMessage(3, LogLevel.Information, "Service {Service}: finished {Deployment} {Error}")]
        public static partial void Finished(ILogger logger, string service, string deployment, string error);

        [LoggerMessage(4, LogLevel.Warning, "Service {Service}: a step of {Deployment} failed; retrying")]
        public static partial void StepFailed(ILogger logger, string service, string deployment, Exception exception);

        [LoggerMessage(5, LogLevel.Information, "Service {Service}: retired {Colour} after its keep-warm delay")]
        public static partial void WarmRetired(ILogger logger, string service, string colour);

        [LoggerMessage(6, LogLevel.Information, "Service {Service}: stopped and removed the instances of both colours before deleting it")]
        public static partial void InstancesStopped(ILogger logger, string service);
    }
}
