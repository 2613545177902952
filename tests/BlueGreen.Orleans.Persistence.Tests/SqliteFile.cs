using Microsoft.Data.Sqlite;

namespace BlueGreen.Orleans.Persistence.Tests;

/// <summary>Looks at a database file from outside the providers, as an operator with the sqlite3 shell would.</summary>
internal static class SqliteFile
{
    /// <summary>
    /// Drops every pooled connection, so the next provider instance opens the file afresh as a new process would.
    /// </summary>
    public static void ForgetOpenConnections() => SqliteConnection.ClearAllPools();

    public static async Task<string?> PragmaAsync(string databasePath, string pragma, CancellationToken cancellationToken = default)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = pragma switch
        {
            "journal_mode" => "PRAGMA journal_mode;",
            "integrity_check" => "PRAGMA integrity_check;",
            _ => throw new ArgumentOutOfRangeException(nameof(pragma), pragma, "Not a pragma these tests read."),
        };
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }
}
