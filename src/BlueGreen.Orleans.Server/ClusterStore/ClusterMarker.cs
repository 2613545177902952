using System.Globalization;
using System.Text.Json;

namespace BlueGreen.Orleans.Server.ClusterStore;

/// <summary>
/// Which cluster a store holds: written to Redis by the first silo of a cluster and copied into every silo's data
/// directory, so a silo can tell "the same store" from "an empty or another store under the same name".
/// </summary>
internal sealed record ClusterMarker(string ServiceId, string ClusterId, string Id, DateTimeOffset CreatedAt)
{
    public static ClusterMarker New(string serviceId, string clusterId, DateTimeOffset now) => new(serviceId, clusterId, Guid.NewGuid().ToString("N"), now);

    /// <summary>Null for no value; a value that is not a marker throws (never read as "no marker").</summary>
    public static ClusterMarker? Parse(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<ClusterMarker>(json) ?? throw new JsonException("The cluster marker is empty.");

    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>For log lines: the id and when that cluster was first started.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id} (created {CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)");
}
