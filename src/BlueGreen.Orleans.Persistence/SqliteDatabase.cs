using Microsoft.Data.Sqlite;

namespace BlueGreen.Orleans.Persistence;

/// <summary>
/// Opens connections to one SQLite file with the settings that make every committed write survive a process kill
/// (and a power cut): WAL journal, <c>synchronous=FULL</c>, and a busy timeout so that concurrent writers wait
/// instead of failing.
/// </summary>
internal sealed class SqliteDatabase
{
    /// <summary>How long a writer waits for another one's lock before SQLite reports SQLITE_BUSY (milliseconds).</summary>
    private const string BusyTimeoutMilliseconds = "10000";

    // Per connection, not stored in the file: FULL syncs the WAL on every commit, so an acknowledged write is on disk
    // before the grain call returns.
    private const string ConnectionPragmas = $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";

    private readonly string _connectionString;

    public SqliteDatabase(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Seconds. Microsoft.Data.Sqlite also retries SQLITE_BUSY until the command timeout; keep it above the busy timeout.
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DatabasePath { get; }

    /// <summary>Creates the folder, switches the file to WAL and runs <paramref name="schema"/> (idempotent DDL).</summary>
    public async Task EnsureSchemaAsync(string schema, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The journal mode is stored in the file, so setting it once here holds for every later connection.
        command.CommandText = "PRAGMA journal_mode = WAL;";
        var mode = (string?)await command.ExecuteScalarAsync(cancellationToken);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite refused WAL mode for {DatabasePath} (journal_mode={mode}).");
        }

        command.CommandText = schema;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>An open connection with the per-connection durability settings applied.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = ConnectionPragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the pooled connections to this file (at silo stop), so the WAL is checkpointed and released.</summary>
    public void ReleasePooledConnections()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
