using System.Diagnostics;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Cluster mode when the Redis store loses the cluster (issue 14, item 11), against a real redis-server and real
/// silo processes: silos stop by themselves when the store is wiped under them, a silo restarted on the wiped store
/// refuses to start, and a Redis without persistence is named at start.
/// </summary>
public sealed class ClusterStoreLossTests : IDisposable
{
    /// <summary>The server's exit code for a lost cluster store (ServerExitCodes.ClusterStoreLost).</summary>
    private const int ClusterStoreLost = 3;

    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new("clstore");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Cluster_RedisWipedUnderTwoSilos_BothStopNamingTheWipe()
    {
        await using var redis = await RedisServer.StartAsync();
        var cluster = $"c{Guid.NewGuid():N}";
        await using var first = Silo("silo-1", redis, cluster);
        await using var second = Silo("silo-2", redis, cluster);
        await first.StartAsync();
        await second.StartAsync();
        var members = await RedisMembership.ReadAsync(redis.ConnectionString, cluster);
        Assert.Equal(2, members.Values.Count(s => s == RedisMembership.Active));

        // A restart of a Redis without persistence, as far as the silos can tell: every key gone.
        await redis.FlushAllAsync();
        var clock = Stopwatch.StartNew();
        var exits = await Task.WhenAll(first.WaitForExitAsync(StopBound), second.WaitForExitAsync(StopBound));

        Assert.True(exits.All(e => e == ClusterStoreLost), $"exits {string.Join(", ", exits)} after {clock.Elapsed.TotalSeconds:0.0} s:\n{Tail(first.Output)}\n---\n{Tail(second.Output)}");
        Assert.Contains("The cluster store was wiped while this silo ran", first.Output, StringComparison.Ordinal);
        Assert.Contains("The cluster store was wiped while this silo ran", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_SiloRestartedOnWipedStore_RefusesToStartAndWritesNothing()
    {
        await using var redis = await RedisServer.StartAsync();
        var cluster = $"c{Guid.NewGuid():N}";
        var data = _folder.File("silo");
        await using (var before = Silo("silo", redis, cluster))
        {
            await before.StartAsync();
            await before.KillAsync();
        }

        await redis.FlushAllAsync();
        await using var after = Silo("silo", redis, cluster);
        after.Launch();
        var exit = await after.WaitForExitAsync(StopBound);

        Assert.True(exit == ClusterStoreLost, $"exit {exit}:\n{Tail(after.Output)}");
        Assert.Contains("The cluster store was wiped: Redis has no marker", after.Output, StringComparison.Ordinal);
        // What to do names the evidence: the marker file of this data directory.
        Assert.Contains(Path.Combine(data, "cluster-marker.json"), after.Output, StringComparison.Ordinal);
        // Refused before Orleans opened its membership table: no second cluster under the same name.
        Assert.Empty(await RedisMembership.ReadAsync(redis.ConnectionString, cluster));
    }

    [Theory]
    [InlineData("none", "Redis does not persist this cluster: CONFIG GET says appendonly no and save ''")]
    [InlineData("aof", "Redis persists this cluster: appendonly yes")]
    [InlineData("config renamed", "Redis persistence could not be checked")]
    public async Task Start_RedisPersistence_OneLineSaysWhetherItPersists(string persistence, string expected)
    {
        string[] settings = persistence switch
        {
            "aof" => ["--appendonly", "yes", "--dir", _folder.File("aof")],
            "config renamed" => ["--rename-command", "CONFIG", string.Empty],
            _ => [],
        };
        Directory.CreateDirectory(_folder.File("aof"));
        await using var redis = await RedisServer.StartAsync(settings: settings);
        await using var silo = Silo("silo", redis, $"c{Guid.NewGuid():N}");

        await silo.StartAsync();
        string[] lines = ["Redis does not persist this cluster", "Redis persists this cluster", "Redis persistence could not be checked"];
        var output = await Eventually.UntilAsync(() => Task.FromResult(silo.Output), o => lines.Any(l => o.Contains(l, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the persistence line");

        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Single(lines, l => output.Contains(l, StringComparison.Ordinal));
    }

    private ServerProcess Silo(string name, RedisServer redis, string cluster) =>
        new(_folder.File(name), redis.ConnectionString, cluster, role: "Silo") { ConnectClient = false };

    private static string Tail(string output) => output.Length <= 4000 ? output : output[^4000..];
}
