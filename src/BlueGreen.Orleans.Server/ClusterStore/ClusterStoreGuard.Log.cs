using Orleans.Runtime;

namespace BlueGreen.Orleans.Server.ClusterStore;

internal sealed partial class ClusterStoreGuard
{
    private const string WhatToDo = "Restore Redis from its AOF or RDB files and start the silos again; or, to start an empty cluster on purpose, "
        + "delete {File} on every silo, start them, and register the proxies and apply the services again.";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Redis does not persist this cluster: CONFIG GET says appendonly {AppendOnly} and save '{Save}'. A restart of "
            + "Redis loses the membership, the services, the proxies, the deployment records and the reminders, and the silos stop. Run Redis "
            + "with AOF (appendonly yes) or RDB snapshots (save) on a disk that outlives it.")]
        public static partial void NotPersistent(ILogger logger, string appendOnly, string save);

        [LoggerMessage(2, LogLevel.Information, "Redis persists this cluster: appendonly {AppendOnly}, save '{Save}'")]
        public static partial void Persistent(ILogger logger, string appendOnly, string save);

        [LoggerMessage(3, LogLevel.Warning, "Redis persistence could not be checked ({Reason}): make sure Redis runs with AOF (appendonly yes) "
            + "or RDB snapshots (save); without either, a restart of Redis loses the cluster")]
        public static partial void PersistenceUnknown(ILogger logger, string reason);

        [LoggerMessage(4, LogLevel.Information, "Cluster marker {Marker} in Redis key {Key} and in {File}")]
        public static partial void Agreed(ILogger logger, ClusterMarker marker, string key, string file);

        [LoggerMessage(5, LogLevel.Critical, "The cluster store was wiped: Redis has no marker in {Key}, but this silo's data directory recorded "
            + "cluster {Local}, so this store is not the one it ran on (a Redis restarted without persistence, a FLUSHALL, another "
            + "Redis). Its membership, services, proxies, deployment records and reminders are gone; this silo refuses to start on it. " + WhatToDo)]
        public static partial void WipedAtStart(ILogger logger, string key, ClusterMarker local, string file);

        [LoggerMessage(6, LogLevel.Critical, "The cluster store was replaced: Redis key {Key} holds cluster {Stored}, but this silo's data "
            + "directory recorded cluster {Local}. The store it ran on was wiped and another silo started a new cluster in it (or this is "
            + "another Redis); this silo refuses to start on it. " + WhatToDo)]
        public static partial void ReplacedAtStart(ILogger logger, string key, ClusterMarker stored, ClusterMarker local, string file);

        [LoggerMessage(7, LogLevel.Critical, "The cluster store was wiped while this silo ran: the marker of cluster {Marker} is gone from Redis "
            + "key {Key} (a Redis restarted without persistence, a FLUSHALL). Its membership, services, proxies, deployment records and "
            + "reminders are gone; this silo stops rather than serve from memory what the store lost. " + WhatToDo)]
        public static partial void WipedWhileRunning(ILogger logger, string key, ClusterMarker marker, string file);

        [LoggerMessage(8, LogLevel.Critical, "The cluster store was replaced while this silo ran: Redis key {Key} now holds cluster {Stored}, not "
            + "this silo's cluster {Marker}: the store was wiped and another silo started a new cluster in it. This silo stops rather than "
            + "serve beside that cluster. " + WhatToDo)]
        public static partial void ReplacedWhileRunning(ILogger logger, string key, ClusterMarker marker, ClusterMarker stored, string file);

        [LoggerMessage(9, LogLevel.Critical, "Silo {Silo} lost its cluster membership ({Reason}); it stops rather than serve outside the cluster. "
            + "Start it again to rejoin.")]
        public static partial void MembershipLost(ILogger logger, SiloAddress silo, string reason);

        [LoggerMessage(10, LogLevel.Debug, "Could not check the cluster store ({Reason}); trying again")]
        public static partial void CheckFailed(ILogger logger, string reason);
    }
}
