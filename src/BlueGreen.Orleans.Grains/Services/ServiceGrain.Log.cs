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

        [LoggerMessage(7, LogLevel.Warning, "Service {Service}: {Deployment} is stale (storage holds a newer record); deactivating to re-read it")]
        public static partial void StaleState(ILogger logger, string service, string deployment, Exception exception);

        [LoggerMessage(8, LogLevel.Warning, "Service {Service}: the reminder or the catalog mark of the deployment could not be updated; retrying")]
        public static partial void TrackingFailed(ILogger logger, string service, Exception exception);

        [LoggerMessage(9, LogLevel.Error, "Service {Service}: the state could not be saved; the command was refused")]
        public static partial void StorageFailed(ILogger logger, string service, Exception exception);

        [LoggerMessage(10, LogLevel.Warning, "Service {Service}: first applied while proxies {Proxies} serve {Colour}, taken as the live colour")]
        public static partial void ServedColourTaken(ILogger logger, string service, string colour, string proxies);

        [LoggerMessage(11, LogLevel.Information, "Service {Service}: stopped {Colour}, whose instances the applied spec orphans (it {Reason})")]
        public static partial void OrphansStopped(ILogger logger, string service, string colour, string reason);

        [LoggerMessage(12, LogLevel.Warning, "Service {Service}: re-applied while proxies {Proxies} serve {Colour} while the record said {Recorded}: the served colour adopted as live")]
        public static partial void ServedColourAdopted(ILogger logger, string service, string colour, string recorded, string proxies);

        [LoggerMessage(13, LogLevel.Information, "Service {Service}: maintenance turned on by {Actor}")]
        public static partial void MaintenanceOn(ILogger logger, string service, string actor);

        [LoggerMessage(14, LogLevel.Information, "Service {Service}: maintenance turned off by {Actor}")]
        public static partial void MaintenanceOff(ILogger logger, string service, string actor);

        [LoggerMessage(20, LogLevel.Information, "Service {Service}: held {Deployment} approved by {Actor}")]
        public static partial void Approved(ILogger logger, string service, string deployment, string actor);
    }
}
