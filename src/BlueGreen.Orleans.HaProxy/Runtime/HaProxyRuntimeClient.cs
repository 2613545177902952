using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>
/// A client for one HAProxy's Runtime API over one persistent <c>prompt</c>-mode connection. Commands are sent one
/// batch at a time; every argument passes <see cref="RuntimeArguments"/> before any I/O. The connection is opened on
/// first use and re-opened after it breaks, after HAProxy closed it, or when it turns out to be attached to a
/// stopping worker after a reload.
/// </summary>
public sealed partial class HaProxyRuntimeClient : IAsyncDisposable
{
    /// <summary>
    /// Backends per pipelined write of <see cref="ShowBackendsAsync"/>: the whole write is sent before any reply is read,
    /// so the replies of one write (about 1 KB per server) must fit the socket's buffers.
    /// </summary>
    public const int BackendsPerBatch = 32;

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// One upsert at a time, from its <c>set map</c> to its <c>add map</c>: two callers that both found a key absent
    /// would otherwise both add it, and HAProxy keeps duplicates (a monitor re-applying a desired route while an apply
    /// sets the same route did this).
    /// </summary>
    private readonly SemaphoreSlim _upserts = new(1, 1);
    private readonly HaProxyRuntimeOptions _options;
    private readonly ILogger _logger;
    private RuntimeConnection? _connection;
    private bool _disposed;

    public HaProxyRuntimeClient(RuntimeEndpoint endpoint, HaProxyRuntimeOptions? options = null, ILogger<HaProxyRuntimeClient>? logger = null)
    {
        Endpoint = endpoint;
        _options = options ?? new HaProxyRuntimeOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxReplyBytes, HaProxyRuntimeOptions.MinMaxReplyBytes, "options.MaxReplyBytes");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxReplyBytes, HaProxyRuntimeOptions.MaxMaxReplyBytes, "options.MaxReplyBytes");
        _logger = logger ?? NullLogger<HaProxyRuntimeClient>.Instance;
    }

    public RuntimeEndpoint Endpoint { get; }

    /// <summary>How many connections this client has opened (1 while nothing went wrong).</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>
    /// How many times this client found its connection attached to a stopping worker (a reload happened) and left it:
    /// a watcher that compares it between reads sees a reload even when the new worker's pid looks unchanged.
    /// </summary>
    public int StoppingWorkersLeft { get; private set; }

    /// <summary>The worker seen by the last verified batch, or null before the first one.</summary>
    public HaProxyInfo? LastInfo { get; private set; }

    /// <summary><c>show info</c> of the live worker (never of a stopping one).</summary>
    public async Task<HaProxyInfo> ShowInfoAsync(CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync("show info", idempotent: true, verify: false, cancellationToken);
        var info = HaProxyInfo.Parse(ReplyErrors.ThrowIfError("show info", reply));
        if (!info.Stopping)
        {
            LastInfo = info;
            return info;
        }

        // The plain command answered from a stopping worker: a verified batch moves to the live one.
        StoppingWorkersLeft++;
        await ExecuteBatchAsync([], idempotent: true, cancellationToken);
        return LastInfo!;
    }

    public async Task<IReadOnlyList<StatRow>> ShowStatAsync(CancellationToken cancellationToken = default)
    {
        const string command = "show stat";
        return StatRow.ParseCsv(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    /// <summary>
    /// The server rows of one backend only (<c>show stat &lt;backend&gt; 4 -1</c>): what health and drain polling
    /// read many times a second, without dumping every proxy of a large config.
    /// </summary>
    public async Task<IReadOnlyList<StatRow>> ShowServerStatsAsync(string backend, CancellationToken cancellationToken = default)
    {
        var command = $"show stat {RuntimeArguments.Name(backend, nameof(backend))} 4 -1";
        return StatRow.ParseCsv(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    /// <summary>
    /// The server rows of every backend (<c>show stat -1 4 -1</c>): a third fewer bytes than the whole <c>show stat</c>
    /// on a large config, for a periodic view of every server.
    /// </summary>
    public async Task<IReadOnlyList<StatRow>> ShowAllServerStatsAsync(CancellationToken cancellationToken = default)
    {
        const string command = "show stat -1 4 -1";
        return StatRow.ParseCsv(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    public async Task<IReadOnlyList<ServerState>> ShowServersStateAsync(string? backend = null, CancellationToken cancellationToken = default)
    {
        var command = backend is null ? "show servers state" : $"show servers state {RuntimeArguments.Name(backend, nameof(backend))}";
        return ServerState.Parse(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    public async Task<IReadOnlyList<ServerConnections>> ShowServersConnAsync(string backend, CancellationToken cancellationToken = default)
    {
        var command = $"show servers conn {RuntimeArguments.Name(backend, nameof(backend))}";
        return ServerConnections.Parse(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    /// <summary>
    /// The backend and server rows (<c>show stat &lt;backend&gt; 6 -1</c>) and connections in use (<c>show servers conn
    /// &lt;backend&gt;</c>) of several backends, pipelined: one round trip per <see cref="BackendsPerBatch"/> backends,
    /// whatever the size of the config. What a proxy watching the backends its deployments wait on reads each tick. A
    /// backend the config lacks comes back without servers.
    /// </summary>
    public async Task<IReadOnlyList<BackendServers>> ShowBackendsAsync(IReadOnlyList<string> backends, CancellationToken cancellationToken = default)
    {
        var names = backends.Select(b => RuntimeArguments.Name(b, nameof(backends))).ToList();
        var result = new List<BackendServers>(names.Count);
        foreach (var chunk in names.Chunk(BackendsPerBatch))
        {
            var commands = chunk.SelectMany(name => new[] { $"show stat {name} 6 -1", $"show servers conn {name}" }).ToList();
            var replies = await ExecuteBatchAsync(commands, idempotent: true, cancellationToken);
            for (var i = 0; i < chunk.Length; i++)
            {
                var (stat, conn) = (replies[2 * i], replies[2 * i + 1]);
                if (ReplyErrors.Classify(commands[2 * i], stat) is HaProxyUnknownBackendException)
                {
                    result.Add(new BackendServers(chunk[i], [], []));
                    continue;
                }

                var rows = StatRow.ParseCsv(ReplyErrors.ThrowIfError(commands[2 * i], stat));
                result.Add(new BackendServers(
                    chunk[i],
                    [.. rows.Where(r => r.Type == StatRowType.Server)],
                    ServerConnections.Parse(ReplyErrors.ThrowIfError(commands[2 * i + 1], conn)),
                    rows.FirstOrDefault(r => r.Type == StatRowType.Backend)));
            }
        }

        return result;
    }

    /// <summary><c>show servers conn</c> of every backend at once: one read per tick for an agent's snapshot.</summary>
    public async Task<IReadOnlyList<ServerConnections>> ShowAllServersConnAsync(CancellationToken cancellationToken = default)
    {
        const string command = "show servers conn";
        return ServerConnections.Parse(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    /// <summary>The maps this HAProxy has loaded (<c>show map</c>).</summary>
    public async Task<IReadOnlyList<MapDescriptor>> ShowMapsAsync(CancellationToken cancellationToken = default)
    {
        const string command = "show map";
        return MapDescriptor.Parse(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    /// <summary>
    /// Whether HAProxy has loaded <paramref name="map"/>: one <c>get map</c> of a key no route uses, refused with
    /// "Unknown map identifier" when it has not. Not <see cref="ShowMapsAsync"/>: HAProxy 2.6 lists each map on one line
    /// naming every place the config uses it, and a line longer than its buffer (a few hundred uses, as configs with a
    /// maintenance page per service had) is left out, so a loaded map looked missing. Rendered configs read the map in a
    /// few places now; an operator's own config may not.
    /// </summary>
    public async Task<bool> IsMapLoadedAsync(string map, CancellationToken cancellationToken = default)
    {
        var command = $"get map {RuntimeArguments.Map(map, nameof(map))} bluegreen.probe";
        var reply = await ExecuteAsync(command, idempotent: true, cancellationToken);
        if (ReplyErrors.Classify(command, reply) is HaProxyUnknownMapException)
        {
            return false;
        }

        ReplyErrors.ThrowIfError(command, reply);
        return true;
    }

    /// <summary>Every entry of one map (<c>show map &lt;map&gt;</c>).</summary>
    public async Task<IReadOnlyList<MapEntry>> ShowMapAsync(string map, CancellationToken cancellationToken = default)
    {
        var command = $"show map {RuntimeArguments.Map(map, nameof(map))}";
        return MapEntry.ParseShowMap(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    /// <summary>The value HAProxy finds for <paramref name="key"/> (<c>get map</c>), or null.</summary>
    public async Task<string?> GetMapAsync(string map, string key, CancellationToken cancellationToken = default)
    {
        var command = $"get map {RuntimeArguments.Map(map, nameof(map))} {RuntimeArguments.Name(key, nameof(key))}";
        return MapEntry.ParseGetMapValue(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, idempotent: true, cancellationToken)));
    }

    /// <summary><c>set map</c>: changes an existing key; <see cref="HaProxyEntryNotFoundException"/> when it is absent.</summary>
    public Task SetMapAsync(string map, string key, string value, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync(MapCommand("set map", map, key, value), idempotent: true, cancellationToken);

    /// <summary><c>add map</c>: adds an entry (HAProxy allows duplicates, so this is not idempotent).</summary>
    public Task AddMapAsync(string map, string key, string value, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync(MapCommand("add map", map, key, value), idempotent: false, cancellationToken);

    /// <summary><c>del map</c>: removes every entry of the key; <see cref="HaProxyEntryNotFoundException"/> when absent.</summary>
    public Task DeleteMapAsync(string map, string key, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync($"del map {RuntimeArguments.Map(map, nameof(map))} {RuntimeArguments.Name(key, nameof(key))}", idempotent: false, cancellationToken);

    /// <summary>Sets a key whether or not it exists yet: <c>set map</c>, then <c>add map</c> on "entry not found".</summary>
    public async Task UpsertMapAsync(string map, string key, string value, CancellationToken cancellationToken = default)
    {
        await _upserts.WaitAsync(cancellationToken);
        try
        {
            await SetMapAsync(map, key, value, cancellationToken);
        }
        catch (HaProxyEntryNotFoundException)
        {
            await AddMapAsync(map, key, value, cancellationToken);
        }
        finally
        {
            _upserts.Release();
        }
    }

    /// <summary>
    /// <see cref="UpsertMapAsync"/> for many keys, pipelined: one round trip of <c>set map</c> per
    /// <see cref="BackendsPerBatch"/> keys, then one of <c>add map</c> for the keys HAProxy did not have yet. Every key and
    /// value is checked before anything is sent; any other error reply throws (the keys before it are set).
    /// </summary>
    public async Task UpsertMapEntriesAsync(string map, IReadOnlyCollection<KeyValuePair<string, string>> entries, CancellationToken cancellationToken = default)
    {
        RuntimeArguments.Map(map, nameof(map));
        var checkedEntries = entries.Select(e => (Key: RuntimeArguments.Name(e.Key, "key"), Value: RuntimeArguments.Name(e.Value, "value"))).ToList();
        await _upserts.WaitAsync(cancellationToken);
        try
        {
            await UpsertChunksAsync(map, checkedEntries, cancellationToken);
        }
        finally
        {
            _upserts.Release();
        }
    }

    private async Task UpsertChunksAsync(string map, List<(string Key, string Value)> checkedEntries, CancellationToken cancellationToken)
    {
        foreach (var chunk in checkedEntries.Chunk(BackendsPerBatch))
        {
            var sets = chunk.Select(e => MapCommand("set map", map, e.Key, e.Value)).ToList();
            var replies = await ExecuteBatchAsync(sets, idempotent: true, cancellationToken);
            var missing = new List<string>();
            for (var i = 0; i < chunk.Length; i++)
            {
                if (ReplyErrors.Classify(sets[i], replies[i]) is HaProxyEntryNotFoundException)
                {
                    missing.Add(MapCommand("add map", map, chunk[i].Key, chunk[i].Value));
                }
                else
                {
                    ReplyErrors.ExpectEmpty(sets[i], replies[i]);
                }
            }

            if (missing.Count > 0)
            {
                var added = await ExecuteBatchAsync(missing, idempotent: false, cancellationToken);
                for (var i = 0; i < missing.Count; i++)
                {
                    ReplyErrors.ExpectEmpty(missing[i], added[i]);
                }
            }
        }
    }

    /// <summary>
    /// Replaces the whole map atomically: <c>prepare map</c>, <c>add map @ver</c> per entry, <c>commit map @ver</c>.
    /// Traffic sees either the old map or the new one, never a mix.
    /// </summary>
    public async Task ReplaceMapAsync(string map, IEnumerable<KeyValuePair<string, string>> entries, CancellationToken cancellationToken = default)
    {
        RuntimeArguments.Map(map, nameof(map));
        var adds = entries.Select(e => $"{RuntimeArguments.Name(e.Key, "key")} {RuntimeArguments.Name(e.Value, "value")}").ToList();

        var prepare = $"prepare map {map}";
        var prepared = ReplyErrors.ThrowIfError(prepare, await ExecuteAsync(prepare, idempotent: true, cancellationToken));
        const string created = "New version created: ";
        if (!prepared.StartsWith(created, StringComparison.Ordinal)
            || !int.TryParse(prepared.AsSpan(created.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new HaProxyCommandException(prepare, prepared);
        }

        // Version-scoped adds and the commit go in one batch, so a reconnect in between cannot split them.
        var batch = adds.Select(a => $"add map @{version} {map} {a}").Append($"commit map @{version} {map}").ToList();
        var replies = await ExecuteBatchAsync(batch, idempotent: false, cancellationToken);
        for (var i = 0; i < replies.Length; i++)
        {
            ReplyErrors.ExpectEmpty(batch[i], replies[i]);
        }
    }

    public Task SetServerStateAsync(string backend, string server, ServerAdminState state, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync($"set server {ServerRef(backend, server)} state {state.ToString().ToLowerInvariant()}", idempotent: true, cancellationToken);

    /// <summary>
    /// <c>set server b/s health down</c>: forces the check state; with checks enabled only a check run from now on
    /// can bring the server back UP, which proves a new instance healthy rather than trusting a stale UP.
    /// </summary>
    public Task SetServerHealthAsync(string backend, string server, ServerHealthState health, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync($"set server {ServerRef(backend, server)} health {health.ToString().ToLowerInvariant()}", idempotent: true, cancellationToken);

    /// <summary>
    /// <c>set server &lt;backend&gt;/&lt;server&gt; health …</c> for many servers, pipelined: one round trip per
    /// <see cref="BackendsPerBatch"/> servers. A server the config lacks is skipped; any other error reply throws.
    /// </summary>
    public async Task SetServersHealthAsync(IReadOnlyList<(string Backend, string Server)> servers, ServerHealthState health, CancellationToken cancellationToken = default)
    {
        var commands = servers.Select(s => $"set server {ServerRef(s.Backend, s.Server)} health {health.ToString().ToLowerInvariant()}").ToList();
        foreach (var chunk in commands.Chunk(BackendsPerBatch))
        {
            var replies = await ExecuteBatchAsync(chunk, idempotent: true, cancellationToken);
            for (var i = 0; i < chunk.Length; i++)
            {
                if (ReplyErrors.Classify(chunk[i], replies[i]) is not (HaProxyUnknownServerException or HaProxyUnknownBackendException))
                {
                    ReplyErrors.ExpectEmpty(chunk[i], replies[i]);
                }
            }
        }
    }

    public Task SetServerWeightAsync(string backend, string server, int weight, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, 256);
        return ExpectEmptyAsync($"set server {ServerRef(backend, server)} weight {weight.ToString(CultureInfo.InvariantCulture)}", idempotent: true, cancellationToken);
    }

    /// <summary><c>add server b/s addr:port [check]</c>. The new server starts in MAINT: enable it afterwards.</summary>
    public async Task AddServerAsync(string backend, string server, string address, int port, bool check, CancellationToken cancellationToken = default)
    {
        var command = $"add server {ServerRef(backend, server)} {RuntimeArguments.Address(address, nameof(address))}:{RuntimeArguments.Port(port, nameof(port))}{(check ? " check" : string.Empty)}";
        ReplyErrors.ExpectPrefix(command, await ExecuteAsync(command, idempotent: false, cancellationToken), "New server registered.");
    }

    public Task EnableServerAsync(string backend, string server, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync($"enable server {ServerRef(backend, server)}", idempotent: true, cancellationToken);

    public Task DisableServerAsync(string backend, string server, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync($"disable server {ServerRef(backend, server)}", idempotent: true, cancellationToken);

    public Task EnableHealthAsync(string backend, string server, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync($"enable health {ServerRef(backend, server)}", idempotent: true, cancellationToken);

    /// <summary><c>disable health b/s</c>: the server's checks stop and its health stays as it is (or as set next).</summary>
    public Task DisableHealthAsync(string backend, string server, CancellationToken cancellationToken = default) =>
        ExpectEmptyAsync($"disable health {ServerRef(backend, server)}", idempotent: true, cancellationToken);

    /// <summary><c>del server</c>: the server must be in MAINT and have no connection left.</summary>
    public async Task DeleteServerAsync(string backend, string server, CancellationToken cancellationToken = default)
    {
        var command = $"del server {ServerRef(backend, server)}";
        ReplyErrors.ExpectPrefix(command, await ExecuteAsync(command, idempotent: false, cancellationToken), "Server deleted.");
    }

    /// <summary>Sends a command made of already-validated parts and returns HAProxy's raw reply.</summary>
    internal Task<string> ExecuteAsync(string command, bool idempotent, CancellationToken cancellationToken) =>
        ExecuteAsync(command, idempotent, _options.VerifyLiveWorker, cancellationToken);

    private async Task<string> ExecuteAsync(string command, bool idempotent, bool verify, CancellationToken cancellationToken)
    {
        var replies = await RunAsync([command], idempotent, verify, cancellationToken);
        return replies[0];
    }

    private Task<string[]> ExecuteBatchAsync(IReadOnlyList<string> commands, bool idempotent, CancellationToken cancellationToken) =>
        RunAsync(commands, idempotent, verify: true, cancellationToken);

    private async Task ExpectEmptyAsync(string command, bool idempotent, CancellationToken cancellationToken) =>
        ReplyErrors.ExpectEmpty(command, await ExecuteAsync(command, idempotent, cancellationToken));

    /// <summary>
    /// Runs a batch on the live worker, one batch at a time: reconnects and sends again after a lost connection (only
    /// when <paramref name="idempotent"/>) or after finding itself on a stopping worker (when <paramref name="verify"/>).
    /// </summary>
    private async Task<string[]> RunAsync(IReadOnlyList<string> commands, bool idempotent, bool verify, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                if (await SendOnceAsync(commands, idempotent, verify, attempt, cancellationToken) is not { } replies)
                {
                    continue;
                }

                if (!verify)
                {
                    return replies;
                }

                var info = HaProxyInfo.Parse(replies[^1]);
                if (!info.Stopping)
                {
                    RememberLiveWorker(info);
                    return replies[..^1];
                }

                await LeaveStoppingWorkerAsync(info, attempt, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// One write of the batch (with <c>show info</c> when verifying) and its replies within the command timeout; null when
    /// the connection was lost and the batch may be sent again. Every failure drops the connection.
    /// </summary>
    private async Task<string[]?> SendOnceAsync(IReadOnlyList<string> commands, bool idempotent, bool verify, int attempt, CancellationToken cancellationToken)
    {
        var connection = await EnsureConnectedAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CommandTimeout);
        try
        {
            // "show info" rides in the same write: it tells which worker ran the batch.
            return await connection.ExecuteAsync(verify ? [.. commands, "show info"] : commands, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Drop();
            throw new HaProxyTimeoutException(Endpoint.ToString(), Describe(commands), _options.CommandTimeout);
        }
        catch (OperationCanceledException)
        {
            Drop();
            throw;
        }
        catch (HaProxyReplyTooLargeException e)
        {
            // The rest of that reply is still on its way: this socket cannot be framed again.
            Drop();
            Log.ReplyTooLarge(_logger, Endpoint.ToString(), e.Command, e.Limit);
            throw;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Drop();
            if (!idempotent || attempt >= _options.MaxReconnects)
            {
                throw new HaProxyConnectionException(Endpoint.ToString(), $"connection lost during '{Describe(commands)}'.", e);
            }

            Log.ConnectionLostRetrying(_logger, Endpoint.ToString(), e.Message);
            return null;
        }
    }

    /// <summary>The live worker answered: remembered, and a change of worker logged.</summary>
    private void RememberLiveWorker(HaProxyInfo info)
    {
        if (LastInfo is { } last && last.Pid != info.Pid)
        {
            Log.WorkerChanged(_logger, Endpoint.ToString(), last.Pid, info.Pid);
        }

        LastInfo = info;
    }

    /// <summary>
    /// Attached to a worker that a reload is retiring: what ran there changes nothing for live traffic. Drops the
    /// connection so the next attempt reaches the new worker, after a short pause; gives up after the reconnect limit.
    /// </summary>
    private async Task LeaveStoppingWorkerAsync(HaProxyInfo info, int attempt, CancellationToken cancellationToken)
    {
        Log.StoppingWorker(_logger, Endpoint.ToString(), info.Pid);
        StoppingWorkersLeft++;
        Drop();
        if (attempt >= _options.MaxReconnects)
        {
            throw new HaProxyConnectionException(Endpoint.ToString(), $"still attached to a stopping worker after {attempt + 1} reconnects.");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), cancellationToken);
    }

    private async Task<RuntimeConnection> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsClosedByPeer: false } open)
        {
            return open;
        }

        Drop();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            _connection = await RuntimeConnection.OpenAsync(Endpoint, _options.MaxReplyBytes, timeout.Token);
            ConnectionsOpened++;
            Log.Connected(_logger, Endpoint.ToString(), ConnectionsOpened);
            return _connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HaProxyConnectionException(Endpoint.ToString(), $"no connection within {_options.ConnectTimeout.TotalMilliseconds:0} ms.");
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new HaProxyConnectionException(Endpoint.ToString(), e.Message, e);
        }
    }

    private void Drop()
    {
        _connection?.Dispose();
        _connection = null;
    }

    private static string MapCommand(string verb, string map, string key, string value) =>
        $"{verb} {RuntimeArguments.Map(map, nameof(map))} {RuntimeArguments.Name(key, nameof(key))} {RuntimeArguments.Name(value, nameof(value))}";

    private static string ServerRef(string backend, string server) =>
        $"{RuntimeArguments.Name(backend, nameof(backend))}/{RuntimeArguments.Name(server, nameof(server))}";

    private static string Describe(IReadOnlyList<string> commands) =>
        commands.Count switch { 0 => "show info", 1 => commands[0], _ => $"{commands[0]} (+{commands.Count - 1} more)" };

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            Drop();
        }
        finally
        {
            _gate.Release();
        }
    }
}
