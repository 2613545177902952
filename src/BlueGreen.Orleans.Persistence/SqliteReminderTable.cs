using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace BlueGreen.Orleans.Persistence;

/// <summary>
/// Reminder table in one SQLite table keyed by (grain id, reminder name), with the grain's uniform hash indexed for
/// the ring-range reads each silo makes for the reminders it owns.
/// </summary>
/// <remarks>
/// ETags are random, not per-row versions: Orleans deletes reminder rows, and a version restarting at 1 for a
/// re-registered reminder would let a stale ETag remove the new one.
/// </remarks>
internal sealed partial class SqliteReminderTable : IReminderTable
{
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS reminders (
            grain_id       TEXT NOT NULL,
            reminder_name  TEXT NOT NULL,
            grain_hash     INTEGER NOT NULL,
            start_at_ticks INTEGER NOT NULL,
            period_ticks   INTEGER NOT NULL,
            etag           TEXT NOT NULL,
            created_utc    TEXT NOT NULL,
            modified_utc   TEXT NOT NULL,
            PRIMARY KEY (grain_id, reminder_name)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS reminders_by_hash ON reminders (grain_hash);
        """;

    private const string Columns = "grain_id, reminder_name, start_at_ticks, period_ticks, etag";

    private const string SelectByGrainSql = $"SELECT {Columns} FROM reminders WHERE grain_id = $grain;";

    private const string SelectRowSql = $"SELECT {Columns} FROM reminders WHERE grain_id = $grain AND reminder_name = $name;";

    // The ring range (begin, end] of uint hashes; begin >= end wraps around zero (begin == end is the whole ring).
    private const string SelectRangeSql = $"SELECT {Columns} FROM reminders WHERE grain_hash > $begin AND grain_hash <= $end;";

    private const string SelectWrappedRangeSql = $"SELECT {Columns} FROM reminders WHERE grain_hash > $begin OR grain_hash <= $end;";

    private const string UpsertSql = """
        INSERT INTO reminders (grain_id, reminder_name, grain_hash, start_at_ticks, period_ticks, etag, created_utc, modified_utc)
        VALUES ($grain, $name, $hash, $start, $period, $etag, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT (grain_id, reminder_name) DO UPDATE SET
            grain_hash = excluded.grain_hash,
            start_at_ticks = excluded.start_at_ticks,
            period_ticks = excluded.period_ticks,
            etag = excluded.etag,
            modified_utc = excluded.modified_utc;
        """;

    private const string DeleteSql = "DELETE FROM reminders WHERE grain_id = $grain AND reminder_name = $name AND etag = $etag;";

    private const string DeleteAllSql = "DELETE FROM reminders;";

    private readonly SqliteDatabase _database;
    private readonly ILogger<SqliteReminderTable> _logger;

    public SqliteReminderTable(SqliteStorageOptions options, ILogger<SqliteReminderTable> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new SqliteDatabase(options.DatabasePath);
        _logger = logger;
    }

    /// <summary>Creates the file and the table if needed; the reminder service calls it when the silo starts.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _database.EnsureSchemaAsync(Schema, cancellationToken);
        LogReady(_logger, _database.DatabasePath);
    }

    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        _database.ReleasePooledConnections();
        return Task.CompletedTask;
    }

    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    public async Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SelectByGrainSql;
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        return new ReminderTableData(await ReadEntriesAsync(command, cancellationToken));
    }

    public async Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = begin < end ? SelectRangeSql : SelectWrappedRangeSql;
        command.Parameters.AddWithValue("$begin", (long)begin);
        command.Parameters.AddWithValue("$end", (long)end);
        return new ReminderTableData(await ReadEntriesAsync(command, cancellationToken));
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SelectRowSql;
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        command.Parameters.AddWithValue("$name", reminderName);
        var entries = await ReadEntriesAsync(command, cancellationToken);
        return entries.Count == 0 ? null : entries[0];
    }

    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var etag = Guid.NewGuid().ToString("N");
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = UpsertSql;
        command.Parameters.AddWithValue("$grain", entry.GrainId.ToString());
        command.Parameters.AddWithValue("$name", entry.ReminderName);
        command.Parameters.AddWithValue("$hash", (long)entry.GrainId.GetUniformHashCode());
        command.Parameters.AddWithValue("$start", ToUtc(entry.StartAt).Ticks);
        command.Parameters.AddWithValue("$period", entry.Period.Ticks);
        command.Parameters.AddWithValue("$etag", etag);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return etag;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = DeleteSql;
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        command.Parameters.AddWithValue("$name", reminderName);
        command.Parameters.AddWithValue("$etag", eTag);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task TestOnlyClearTable(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = DeleteAllSql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<ReminderEntry>> ReadEntriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = reader.GetString(4),
            });
        }

        return entries;
    }

    /// <summary>Orleans passes UTC times; a local one is converted so that the stored ticks always mean UTC.</summary>
    private static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };
}
