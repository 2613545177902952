namespace BlueGreen.Orleans.Server.ClusterStore;

/// <summary>
/// The silo's local copy of its cluster's marker (<c>&lt;DataDirectory&gt;/cluster-marker.json</c>): the evidence, after a
/// restart, that this silo ran in a cluster whose store must still hold that marker.
/// </summary>
internal static class MarkerFile
{
    public const string Name = "cluster-marker.json";

    /// <summary>The marker this data directory recorded for this service and cluster, or null (none, or another cluster's).</summary>
    public static ClusterMarker? Read(string path, string serviceId, string clusterId)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var marker = ClusterMarker.Parse(File.ReadAllText(path));
        // A data directory reused for another ServiceId/ClusterId is no evidence about this one: it is overwritten.
        return marker is not null && marker.ServiceId == serviceId && marker.ClusterId == clusterId ? marker : null;
    }

    /// <summary>Temp file, fsync, rename: a crash leaves the old marker or the new one, never half of one.</summary>
    public static void Write(string path, ClusterMarker marker)
    {
        // Per process: silos of one host may share a data directory.
        var temporary = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(marker.ToJson());
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
