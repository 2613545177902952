namespace BlueGreen.Orleans.Persistence.Tests;

/// <summary>
/// Entry point of the test assembly when run as a program (replaces the test SDK's empty one): it lets a test start
/// this same assembly as a separate process, write through the storage, and kill it with SIGKILL.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        [StorageWriterProcess.Command, var databasePath] => await StorageWriterProcess.RunAsync(databasePath),
        _ => 0,
    };
}
