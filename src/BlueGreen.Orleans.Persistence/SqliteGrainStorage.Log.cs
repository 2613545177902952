using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace BlueGreen.Orleans.Persistence;

internal sealed partial class SqliteGrainStorage
{
    [LoggerMessage(1, LogLevel.Information, "SQLite grain storage {Name} ready at {DatabasePath}")]
    private static partial void LogReady(ILogger logger, string name, string databasePath);

    [LoggerMessage(2, LogLevel.Warning,
        "ETag conflict in {Operation} on SQLite grain storage {Name}, state {StateName} of {GrainId}: stored {StoredEtag}, expected {CurrentEtag}")]
    private static partial void LogEtagConflict(
        ILogger logger, string operation, string name, string stateName, GrainId grainId, string? storedEtag, string? currentEtag);
}
