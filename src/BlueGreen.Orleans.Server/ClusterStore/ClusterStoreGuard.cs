using Orleans.Clustering.Redis;
using StackExchange.Redis;

namespace BlueGreen.Orleans.Server.ClusterStore;

/// <summary>
/// Cluster mode: refuses to run a silo on a store that lost its cluster. Orleans does not stop a silo whose Redis
/// membership table vanished: it only kills a silo the table declares dead, and a table that is missing (a Redis
/// restarted without persistence, a FLUSHALL) makes every refresh fail forever while the silo keeps serving from
/// memory; the next silo to start then writes a new table and forms a second cluster beside it.
/// <list type="bullet">
/// <item>At start, before Orleans opens its membership table: warns when Redis does not persist (CONFIG GET appendonly,
/// save); agrees on the cluster marker (<see cref="ClusterMarker"/>): none in Redis and none in the data directory is
/// a new cluster (this silo writes it); the same in both is a restart; one in Redis only is a silo joining (it copies
/// it); one in the data directory that Redis lacks or contradicts is a wiped or replaced store: the silo stops, naming
/// the marker and what to do, having written nothing.</item>
/// <item>While active, every <see cref="CheckInterval"/>: the marker it agreed on is still in Redis, the membership table
/// is there and this silo is in it; otherwise it stops. A Redis that does not answer is an outage, not a loss: the
/// silo waits for it like Orleans does.</item>
/// </list>
/// Stopping is crash-only (<see cref="CrashExit"/>), exit code <see cref="ServerExitCodes.ClusterStoreLost"/>.
/// </summary>
internal sealed partial class ClusterStoreGuard(
    ServerOptions options,
    IMembershipTable membership,
    ILocalSiloDetails silo,
    CrashExit crash,
    ILogger<ClusterStoreGuard> logger) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    private readonly string _key = $"{options.ServiceId}/bluegreen-marker/{options.ClusterId}";
    private readonly string _file = Path.Combine(Path.GetFullPath(options.DataDirectory), MarkerFile.Name);
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _redis;
    private ClusterMarker? _marker;
    private Task _watch = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(ClusterStoreGuard), ServiceLifecycleStage.RuntimeInitialize - 1, StartAsync, _ => Task.CompletedTask);
        lifecycle.Subscribe(nameof(ClusterStoreGuard), ServiceLifecycleStage.Active, StartWatchAsync, StopWatchAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var redis = ClusterSecurity.Redis(options);
        // StackExchange.Redis sends CONFIG only on a connection allowed admin commands (Redis' own ACL still decides).
        redis.AllowAdmin = true;
        _redis = await ConnectionMultiplexer.ConnectAsync(redis).WaitAsync(cancellationToken);
        await CheckPersistenceAsync();
        _marker = await AgreeOnMarkerAsync(cancellationToken);
    }

    private async Task CheckPersistenceAsync()
    {
        string? appendOnly = null, save = null;
        try
        {
            var server = _redis!.GetServer(_redis.GetEndPoints()[0]);
            appendOnly = (await server.ConfigGetAsync("appendonly")).Select(p => p.Value).FirstOrDefault();
            save = (await server.ConfigGetAsync("save")).Select(p => p.Value).FirstOrDefault();
        }
        catch (RedisException e)
        {
            // CONFIG disabled or renamed (rename-command), or not allowed to this user.
            Log.PersistenceUnknown(logger, e.Message);
            return;
        }

        if (appendOnly is null || save is null)
        {
            Log.PersistenceUnknown(logger, "CONFIG GET returned no value for appendonly or save");
        }
        else if (appendOnly == "yes" || save.Length > 0)
        {
            Log.Persistent(logger, appendOnly, save);
        }
        else
        {
            Log.NotPersistent(logger, appendOnly, save);
        }
    }

    private async Task<ClusterMarker> AgreeOnMarkerAsync(CancellationToken cancellationToken)
    {
        var database = _redis!.GetDatabase();
        var local = MarkerFile.Read(_file, options.ServiceId, options.ClusterId);
        var stored = ClusterMarker.Parse(await database.StringGetAsync(_key).WaitAsync(cancellationToken));
        if (local is not null && stored is null)
        {
            Log.WipedAtStart(logger, _key, local, _file);
            crash.Now(ServerExitCodes.ClusterStoreLost);
        }

        if (local is not null && stored is not null && stored.Id != local.Id)
        {
            Log.ReplacedAtStart(logger, _key, stored, local, _file);
            crash.Now(ServerExitCodes.ClusterStoreLost);
        }

        if (stored is null)
        {
            var created = ClusterMarker.New(options.ServiceId, options.ClusterId, DateTimeOffset.UtcNow);
            // Silos starting together: one marker wins, every silo adopts it.
            stored = await database.StringSetAsync(_key, created.ToJson(), when: When.NotExists).WaitAsync(cancellationToken)
                ? created
                : ClusterMarker.Parse(await database.StringGetAsync(_key).WaitAsync(cancellationToken)) ?? throw new InvalidOperationException($"The cluster marker {_key} vanished while this silo wrote it.");
        }

        if (local is null)
        {
            MarkerFile.Write(_file, stored);
        }

        Log.Agreed(logger, stored, _key, _file);
        return stored;
    }

    private Task StartWatchAsync(CancellationToken cancellationToken)
    {
        _watch = WatchAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task StopWatchAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(CheckInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await CheckAsync(cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Log.CheckFailed(logger, e.Message);
            }
        }
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var stored = ClusterMarker.Parse(await _redis!.GetDatabase().StringGetAsync(_key).WaitAsync(cancellationToken));
        if (stored is null)
        {
            Log.WipedWhileRunning(logger, _key, _marker!, _file);
            crash.Now(ServerExitCodes.ClusterStoreLost);
        }

        if (stored.Id != _marker!.Id)
        {
            Log.ReplacedWhileRunning(logger, _key, _marker, stored, _file);
            crash.Now(ServerExitCodes.ClusterStoreLost);
        }

        string? lost;
        try
        {
            var table = await membership.ReadAllAsync(cancellationToken);
            lost = table.TryGet(silo.SiloAddress) is null ? "this silo is not in the membership table" : null;
        }
        catch (RedisClusteringException e)
        {
            // "The Redis membership table version is missing": the table was deleted or expired.
            lost = e.Message;
        }

        if (lost is not null)
        {
            Log.MembershipLost(logger, silo.SiloAddress, lost);
            crash.Now(ServerExitCodes.ClusterStoreLost);
        }
    }
}
