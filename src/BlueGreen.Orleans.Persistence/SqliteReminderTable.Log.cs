using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Persistence;

internal sealed partial class SqliteReminderTable
{
    [LoggerMessage(1, LogLevel.Information, "SQLite reminder table ready at {DatabasePath}")]
    private static partial void LogReady(ILogger logger, string databasePath);
}
