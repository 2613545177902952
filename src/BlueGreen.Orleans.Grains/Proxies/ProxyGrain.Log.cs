using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Grains.Proxies;

internal sealed partial class ProxyGrain
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Proxy {ProxyId} unreachable: {Reason}")]
        public static partial void Unreachable(ILogger logger, string proxyId, string reason);

        [LoggerMessage(2, LogLevel.Information, "Proxy {ProxyId}: worker changed from {OldPid} to {NewPid} (reload or restart)")]
        public static partial void WorkerChanged(ILogger logger, string proxyId, int oldPid, int newPid);

        [LoggerMessage(3, LogLevel.Information, "Proxy {ProxyId}: re-applied {Count} drifted routes")]
        public static partial void Reconciled(ILogger logger, string proxyId, int count);

        [LoggerMessage(4, LogLevel.Error, "Proxy {ProxyId}: route {Key} could not be put back after a failed persist; the monitor will reconcile it")]
        public static partial void PutBackFailed(ILogger logger, string proxyId, string key, Exception exception);

        [LoggerMessage(5, LogLevel.Error, "Proxy {ProxyId}: route {Key} re-applied at runtime, but the map file could not be written; a reload would load the old route")]
        public static partial void MapFileNotWritten(ILogger logger, string proxyId, string key, Exception exception);

        [LoggerMessage(6, LogLevel.Error, "Proxy {ProxyId} not connected: {Reason}")]
        public static partial void Refused(ILogger logger, string proxyId, string reason);

        [LoggerMessage(7, LogLevel.Information, "Proxy {ProxyId}: route {Key} written to the map file again")]
        public static partial void MapFileWritten(ILogger logger, string proxyId, string key);

        [LoggerMessage(8, LogLevel.Warning, "Proxy {ProxyId}: {Call} of route {Key} at version {Version} refused: the route is at version {Held}, newer")]
        public static partial void StaleRouteRefused(ILogger logger, string proxyId, string call, string key, long version, long held);

        [LoggerMessage(9, LogLevel.Information, "Proxy {ProxyId}: agent credential issued by {Actor}; any earlier one is revoked")]
        public static partial void AgentCredentialIssued(ILogger logger, string proxyId, string actor);

        [LoggerMessage(10, LogLevel.Information, "Proxy {ProxyId}: agent {AgentVersion} connected, holding routes version {HeldVersion}")]
        public static partial void AgentConnected(ILogger logger, string proxyId, string agentVersion, long heldVersion);

        [LoggerMessage(11, LogLevel.Information, "Proxy {ProxyId}: agent stream ended")]
        public static partial void AgentDisconnected(ILogger logger, string proxyId);

        [LoggerMessage(12, LogLevel.Information, "Proxy {ProxyId}: agent holds routes version {HeldVersion}, the desired ones are version {DesiredVersion}: pushing them")]
        public static partial void AgentResync(ILogger logger, string proxyId, long heldVersion, long desiredVersion);

        [LoggerMessage(13, LogLevel.Warning, "Proxy {ProxyId}: pushing the desired routes to the agent failed: {Reason}")]
        public static partial void AgentPushFailed(ILogger logger, string proxyId, string reason);

        [LoggerMessage(16, LogLevel.Warning, "Proxy {ProxyId}: master CLI unreadable, old workers cannot be counted: {Reason}")]
        public static partial void MasterUnreadable(ILogger logger, string proxyId, string reason);
    }
}
