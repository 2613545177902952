using System.Collections.Immutable;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Backend reads for deployments, in O(proxies) rather than O(deployments × proxies): every read asked for joins the
/// next batch (one pipelined round trip for all the backends asked), a watcher's read no older than
/// <see cref="ProxyMonitorOptions.ReadFreshness"/> is answered from memory, and the deployments that wait on a backend
/// (health, drain) are told when it changes instead of polling it. Reads interleave with the grain's turns: a switch
/// never queues behind a read, and the Runtime API client sends one batch at a time.
/// </summary>
internal sealed partial class ProxyGrain
{
    /// <summary>How long a watch lasts after the watcher's last read: a waiting deployment reads at least once a second.</summary>
    private static readonly TimeSpan WatchLease = TimeSpan.FromSeconds(5);

    /// <summary>Readings nobody watches are dropped once this old: a finished deployment's backends leave no trace.</summary>
    private static readonly TimeSpan ReadingKept = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, BackendReading> _readings = new(StringComparer.Ordinal);

    /// <summary>Per backend: a read that started before this timestamp does not count (a recheck was forced, a route moved).</summary>
    private readonly Dictionary<string, long> _readNotBefore = new(StringComparer.Ordinal);

    /// <summary>Per backend, who waits on it and until when (monotonic timestamp).</summary>
    private readonly Dictionary<string, Dictionary<GrainId, (IBackendWatcher Watcher, long Until)>> _watches = new(StringComparer.Ordinal);

    /// <summary>Backend reads, batched: those asked while one batch runs share the next.</summary>
    private GroupCommit<string>? _reads;
    private IGrainTimer? _watchTimer;

    public Task<BackendReport> GetBackendAsync(string backend) => ReadBackendAsync(backend, null);

    public Task<BackendReport> WatchBackendAsync(string backend, IBackendWatcher watcher) => ReadBackendAsync(backend, watcher);

    public Task<DrainReport> GetDrainAsync(string backend) => ReadDrainAsync(backend, null);

    public Task<DrainReport> WatchDrainAsync(string backend, IBackendWatcher watcher) => ReadDrainAsync(backend, watcher);

    private async Task<BackendReport> ReadBackendAsync(string backend, IBackendWatcher? watcher)
    {
        if (watcher is not null)
        {
            Watch(backend, watcher);
        }

        if (IsAgentMode)
        {
            return AgentBackend(backend);
        }

        Proxy();

        // Refused here, alone: in the batch a name HAProxy must not see would fail every other caller's read too.
        CheckName(backend, nameof(backend));

        // A watcher waits, and a read within the poll interval tells it as much as a new one; anyone else (a switch
        // deciding, an operator) gets a read that starts after the call.
        if (watcher is null || !IsFresh(backend))
        {
            await QueueReadAsync(backend);
        }

        return _readings[backend].Report;
    }

    /// <summary>A backend's reading is fresh: read after the last recheck or route change, and recently.</summary>
    private bool IsFresh(string backend) =>
        _readings.TryGetValue(backend, out var reading)
        && reading.StartedAt >= _readNotBefore.GetValueOrDefault(backend, long.MinValue)
        && time.GetElapsedTime(reading.StartedAt) < options.Value.ReadFreshness;

    /// <summary>From now on, a read of the backend counts only if it starts later: what HAProxy holds of it just changed.</summary>
    private void Invalidate(string? backend)
    {
        if (backend is not null)
        {
            _readNotBefore[backend] = time.GetTimestamp();
        }
    }

    /// <summary>Joins the next batch: it starts after this call, so what it reads is newer than anything asked before.</summary>
    private Task QueueReadAsync(string backend) => (_reads ??= new GroupCommit<string>(ReadBatchAsync)).CommitAsync(backend);

    private async Task ReadBatchAsync(IReadOnlyList<string> asked)
    {
        var backends = asked.Distinct(StringComparer.Ordinal).ToList();
        var proxy = Proxy();
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var reports = await GuardAsync(
            proxy,
            async client =>
            {
                try
                {
                    var read = await client.ShowBackendsAsync(backends);
                    Seen(client.LastInfo);
                    var uptime = client.LastInfo is { } info ? TimeSpan.FromSeconds(info.UptimeSeconds) : (TimeSpan?)null;
                    return read.Select(b => Report(b, now, uptime)).ToList();
                }
                catch (ObjectDisposedException)
                {
                    // The proxy was removed (or re-registered) while this read was on its way.
                    throw new HaProxyConnectionException(Id, "the proxy's connection was closed");
                }
            },
            e =>
            {
                Unreachable(e);
                return [.. backends.Select(b => new BackendReport { ProxyId = Id, Backend = b, Reachable = false, Error = e.Message, ReadAt = now })];
            });
        foreach (var report in reports)
        {
            Store(report, started);
        }
    }

    private BackendReport Report(BackendServers read, DateTimeOffset now, TimeSpan? uptime)
    {
        // used_cur also counts connections HAProxy still holds to a server, which scur alone can miss.
        var inUse = read.Connections.ToDictionary(c => c.Server, c => c.UsedCurrent, StringComparer.Ordinal);
        return new BackendReport
        {
            ProxyId = Id,
            Backend = read.Backend,
            Reachable = true,
            ReadAt = now,
            WorkerUptime = uptime,
            Servers = [.. read.Servers.Select(r => new ServerHealth(
                r.ServiceName, r.Status, r.CheckStatus, r.CurrentSessions, inUse.GetValueOrDefault(r.ServiceName), r.Http5xxResponses, r.HttpResponses)
            {
                ConnectionErrors = r.ConnectionErrors,
                ResponseErrors = r.ResponseErrors,
                ResponseTimeMs = r.ResponseTimeMs,
                TotalTimeMs = r.TotalTimeMs,
            })],
            Totals = read.Totals is { } t ? new BackendTotals(t.Http5xxResponses, t.HttpResponses, t.ConnectionErrors, t.ResponseErrors) : null,
        };
    }

    /// <summary>Keeps a reading; its watchers hear of it when it differs from the one before.</summary>
    private void Store(BackendReport report, long startedAt)
    {
        var fingerprint = BackendReading.FingerprintOf(report);
        var changed = _readings.TryGetValue(report.Backend, out var before) && before.Fingerprint != fingerprint;
        if (before is null || startedAt >= before.StartedAt)
        {
            _readings[report.Backend] = new BackendReading(report, startedAt, fingerprint);
        }

        if (changed)
        {
            Notify(report.Backend);
        }
    }

    private void Watch(string backend, IBackendWatcher watcher)
    {
        if (!_watches.TryGetValue(backend, out var watchers))
        {
            _watches[backend] = watchers = [];
        }

        watchers[watcher.GetGrainId()] = (watcher, time.GetTimestamp() + (long)(WatchLease.TotalSeconds * time.TimestampFrequency));
        var interval = options.Value.ReadFreshness;
        _watchTimer ??= this.RegisterGrainTimer(WatchTickAsync, new GrainTimerCreationOptions(interval, interval) { Interleave = true });
    }

    /// <summary>Tells every watcher of the backend that it changed (one-way: a watcher that is gone costs nothing).</summary>
    private void Notify(string backend)
    {
        if (!_watches.TryGetValue(backend, out var watchers))
        {
            return;
        }

        var now = time.GetTimestamp();
        foreach (var (id, (watcher, until)) in watchers.ToList())
        {
            if (until < now)
            {
                watchers.Remove(id);
                continue;
            }

            watcher.BackendChangedAsync(Id, backend).Ignore();
        }
    }

    /// <summary>Agent mode: a snapshot changed these backends (the agent sends only what changed).</summary>
    private void NotifyChanged(IEnumerable<string> backends)
    {
        foreach (var backend in backends)
        {
            Notify(backend);
        }
    }

    /// <summary>
    /// Once per <see cref="ProxyMonitorOptions.ReadFreshness"/> while anyone watches: one batch for every watched backend
    /// not read since (direct mode; an agent's snapshots notify as they arrive). Stops when the last watch expires.
    /// </summary>
    private async Task WatchTickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        foreach (var (backend, watchers) in _watches.ToList())
        {
            foreach (var (id, _) in watchers.Where(w => w.Value.Until < now).ToList())
            {
                watchers.Remove(id);
            }

            if (watchers.Count == 0)
            {
                _watches.Remove(backend);
            }
        }

        foreach (var (backend, _) in _readings.Where(r => !_watches.ContainsKey(r.Key) && time.GetElapsedTime(r.Value.StartedAt) > ReadingKept).ToList())
        {
            _readings.Remove(backend);
            _readNotBefore.Remove(backend);
        }

        if (_watches.Count == 0)
        {
            _watchTimer?.Dispose();
            _watchTimer = null;
            return;
        }

        if (IsAgentMode || _proxy is null)
        {
            return;
        }

        if (_watches.Keys.Where(b => !IsFresh(b)).ToList() is { Count: > 0 } due)
        {
            await Task.WhenAll(due.Select(QueueReadAsync));
        }
    }

    /// <summary>
    /// The live worker through the Runtime API first, then every other worker through the master CLI: one
    /// <c>show proc</c>, and <c>@!pid show stat</c> / <c>show servers conn</c> only for workers other than the one that
    /// answered (old workers exist only for a while after a reload). In that order a reload between the two reads can
    /// only make a worker counted twice, never missed.
    /// </summary>
    private async Task<DrainReport> ReadDrainAsync(string backend, IBackendWatcher? watcher)
    {
        if (IsAgentMode)
        {
            if (watcher is not null)
            {
                Watch(backend, watcher);
            }

            return await ReadAgentDrainAsync(backend);
        }

        var live = await ReadBackendAsync(backend, watcher);
        var proxy = Proxy();
        var info = live.Reachable ? proxy.LastInfo : null;
        var report = new DrainReport
        {
            Live = live,
            WorkerPid = info?.Pid,
            WorkerUptime = info is null ? null : TimeSpan.FromSeconds(info.UptimeSeconds),
            HasMaster = proxy.HasMaster,
        };
        if (!proxy.HasMaster || !live.Reachable)
        {
            return report;
        }

        return await GuardAsync(
            proxy,
            async master =>
            {
                var processes = await master.ShowProcAsync();
                var others = await Task.WhenAll(processes.AllWorkers
                    .Where(w => w.Pid != info?.Pid)
                    .Select(w => master.CountSessionsAsync(w.Pid, backend)));
                _masterError = null;
                return report with
                {
                    MasterPid = processes.Master.Pid,
                    MasterUptime = processes.Master.Uptime,
                    OtherWorkers = others.Select(w => new WorkerSessions(w.Pid, w.Sessions, w.Exited)).ToImmutableList(),
                };
            },
            e =>
            {
                // The master CLI failing leaves the live worker reachable: the report says so, the proxy stays up.
                if (_masterError is null)
                {
                    Log.MasterUnreadable(_logger, Id, e.Message);
                }

                _masterError = e.Message;
                return report with { MasterError = $"master CLI: {e.Message}" };
            });
    }
}
