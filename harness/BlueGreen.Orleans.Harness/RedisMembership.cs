using System.Text.Json;
using StackExchange.Redis;

namespace BlueGreen.Orleans.Harness;

/// <summary>
/// The Orleans membership table as the Redis clustering provider stores it (a hash per cluster, one JSON row per silo
/// address): read straight from redis-server, so a test sees membership without joining the cluster.
/// </summary>
public static class RedisMembership
{
    /// <summary>Orleans' SiloStatus value of an active member.</summary>
    public const int Active = 3;

    /// <summary>Orleans' SiloStatus value of a silo declared dead.</summary>
    public const int Dead = 6;

    /// <summary>Each silo's status by its silo port.</summary>
    public static async Task<IReadOnlyDictionary<int, int>> ReadAsync(string connectionString, string clusterId, string serviceId = "bluegreen")
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var rows = await redis.GetDatabase().HashGetAllAsync($"{serviceId}/members/{clusterId}");
        var statuses = new Dictionary<int, int>();
        foreach (var row in rows.Where(r => r.Name != "Version"))
        {
            using var json = JsonDocument.Parse(row.Value.ToString());
            // "SiloAddress":{"SiloAddress":"127.0.0.1:41331@155202257"}
            var address = json.RootElement.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!;
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..address.IndexOf('@', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            statuses[port] = json.RootElement.GetProperty("Status").GetInt32();
        }

        return statuses;
    }
}
