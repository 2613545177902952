using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace BlueGreen.Orleans.Persistence;

/// <summary>
/// Grain storage in one SQLite table keyed by (provider name, state name, grain id). The ETag is a per-row version
/// number checked inside the write transaction, so two activations can never overwrite each other silently.
/// </summary>
/// <remarks>
/// A cleared state keeps its row with a null payload and a higher version instead of being deleted: a version that
/// restarted at 1 could let a stale activation's old ETag match a newer record.
/// </remarks>
internal sealed partial class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS grain_state (
            storage_name TEXT NOT NULL,
            state_name   TEXT NOT NULL,
            grain_id     TEXT NOT NULL,
            version      INTEGER NOT NULL,
            payload      BLOB NULL,
            created_utc  TEXT NOT NULL,
            modified_utc TEXT NOT NULL,
            PRIMARY KEY (storage_name, state_name, grain_id)
        ) WITHOUT ROWID;
        """;

    private const string SelectSql = """
        SELECT version, payload FROM grain_state
        WHERE storage_name = $storage AND state_name = $state AND grain_id = $grain;
        """;

    private const string SelectVersionSql = """
        SELECT version FROM grain_state
        WHERE storage_name = $storage AND state_name = $state AND grain_id = $grain;
        """;

    private const string InsertSql = """
        INSERT INTO grain_state (storage_name, state_name, grain_id, version, payload, created_utc, modified_utc)
        VALUES ($storage, $state, $grain, 1, $payload, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        """;

    private const string UpdateSql = """
        UPDATE grain_state
        SET version = version + 1, payload = $payload, modified_utc = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE storage_name = $storage AND state_name = $state AND grain_id = $grain AND version = $version;
        """;

    private readonly string _name;
    private readonly SqliteDatabase _database;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activatorProvider;
    private readonly ILogger<SqliteGrainStorage> _logger;

    // SQLite has one writer at a time. Writers queued here wait without a thread; left to SQLite's busy handler, each
    // would sleep on a thread-pool thread (Microsoft.Data.Sqlite is synchronous underneath), and fifty proxy grains
    // persisting a switch at once would starve the silo of the threads that read HAProxy's replies.
    private readonly SemaphoreSlim _writer = new(1, 1);

    public SqliteGrainStorage(
        string name,
        SqliteStorageOptions options,
        IActivatorProvider activatorProvider,
        ILogger<SqliteGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        _name = name;
        _database = new SqliteDatabase(options.DatabasePath);
        _serializer = options.GrainStorageSerializer
            ?? throw new ArgumentException($"{nameof(SqliteStorageOptions.GrainStorageSerializer)} is not set.", nameof(options));
        _activatorProvider = activatorProvider;
        _logger = logger;
    }

    public void Dispose() => _writer.Dispose();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            OptionFormattingUtilities.Name<SqliteGrainStorage>(_name),
            ServiceLifecycleStage.ApplicationServices,
            InitializeAsync,
            StopAsync);

    /// <summary>Creates the file and the table if needed; the silo calls it before any grain can activate.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _database.EnsureSchemaAsync(Schema, cancellationToken);
        LogReady(_logger, _name, _database.DatabasePath);
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection, null, SelectSql, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            ResetState(grainState, etag: null);
            return;
        }

        var etag = FormatVersion(reader.GetInt64(0));
        if (await reader.IsDBNullAsync(1, cancellationToken))
        {
            // Cleared: no record, but the version stays the ETag so that this activation's next write succeeds.
            ResetState(grainState, etag);
            return;
        }

        var payload = reader.GetFieldValue<byte[]>(1);
        grainState.State = _serializer.Deserialize<T>(new BinaryData(payload));
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var payload = _serializer.Serialize(grainState.State).ToArray();
        grainState.ETag = await ChangeAsync(nameof(WriteStateAsync), stateName, grainId, grainState.ETag, payload, cancellationToken);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var etag = await ChangeAsync(nameof(ClearStateAsync), stateName, grainId, grainState.ETag, payload: null, cancellationToken);
        ResetState(grainState, etag);
    }

    /// <summary>
    /// Checks the ETag and writes <paramref name="payload"/> (null clears) in one IMMEDIATE transaction, so no other
    /// writer can slip between the check and the write. Returns the row's new ETag, or null when a clear found nothing
    /// to clear.
    /// </summary>
    private async Task<string?> ChangeAsync(
        string operation, string stateName, GrainId grainId, string? expectedEtag, byte[]? payload, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            return await ChangeCoreAsync(operation, stateName, grainId, expectedEtag, payload, cancellationToken);
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<string?> ChangeCoreAsync(
        string operation, string stateName, GrainId grainId, string? expectedEtag, byte[]? payload, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        // deferred: false is BEGIN IMMEDIATE: the write lock is taken before the read, so the check cannot go stale.
        await using var transaction = connection.BeginTransaction(deferred: false);

        long? storedVersion;
        await using (var select = CreateCommand(connection, transaction, SelectVersionSql, stateName, grainId))
        {
            storedVersion = await select.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
        }

        var storedEtag = storedVersion is { } stored ? FormatVersion(stored) : null;
        if (!string.Equals(storedEtag, expectedEtag, StringComparison.Ordinal))
        {
            LogEtagConflict(_logger, operation, _name, stateName, grainId, storedEtag, expectedEtag);
            throw new InconsistentStateException(
                $"Version conflict ({operation}): provider {_name}, state {stateName}, grain {grainId}: stored ETag {storedEtag ?? "none"}, expected {expectedEtag ?? "none"}.",
                storedEtag,
                expectedEtag);
        }

        if (storedVersion is null && payload is null)
        {
            // Clearing a state that was never written: nothing to record.
            return null;
        }

        await using (var change = CreateCommand(connection, transaction, storedVersion is null ? InsertSql : UpdateSql, stateName, grainId))
        {
            change.Parameters.AddWithValue("$payload", (object?)payload ?? DBNull.Value);
            if (storedVersion is { } current)
            {
                change.Parameters.AddWithValue("$version", current);
            }

            await change.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return FormatVersion((storedVersion ?? 0) + 1);
    }

    private SqliteCommand CreateCommand(SqliteConnection connection, SqliteTransaction? transaction, string sql, string stateName, GrainId grainId)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$storage", _name);
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        return command;
    }

    private void ResetState<T>(IGrainState<T> grainState, string? etag)
    {
        // The state bridge does not reset State after a clear or a read of nothing: a fresh instance is our job.
        grainState.State = _activatorProvider.GetActivator<T>().Create();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    private static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    private Task StopAsync(CancellationToken cancellationToken)
    {
        _database.ReleasePooledConnections();
        return Task.CompletedTask;
    }
}
