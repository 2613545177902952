namespace BlueGreen.Orleans.Server;

/// <summary>The server's exit codes other than 0 (stopped) and an unhandled exception's.</summary>
internal static class ServerExitCodes
{
    /// <summary>Invalid settings, unreadable secrets, a data directory in use: refused before anything started.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>Cluster mode: the Redis store lost this cluster (wiped, replaced) or this silo lost its membership.</summary>
    public const int ClusterStoreLost = 3;
}
