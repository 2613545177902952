using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// One backend as a proxy grain last read it for a deployment: the report, when the read started (a monotonic
/// timestamp: only a read that started after a forced recheck or a route change counts), and what a watcher waits on.
/// </summary>
internal sealed record BackendReading(BackendReport Report, long StartedAt, int Fingerprint)
{
    /// <summary>What a waiting deployment can act on: reachability, and each server's state, sessions, connections in use, and 5xx and error counts (the analysis window).</summary>
    public static int FingerprintOf(BackendReport report)
    {
        var hash = new HashCode();
        hash.Add(report.Reachable);
        foreach (var server in report.Servers)
        {
            hash.Add(server.Server);
            hash.Add(server.Status);
            hash.Add(server.Sessions);
            hash.Add(server.ConnectionsInUse);
            hash.Add(server.Http5xx);
            hash.Add(server.ConnectionErrors);
            hash.Add(server.ResponseErrors);
        }

        // HAProxy's own 503s (no server up) change only the backend's row.
        hash.Add(report.Totals);

        return hash.ToHashCode();
    }
}
