namespace BlueGreen.Orleans.Agent;

/// <summary>
/// An exclusive lock file in the state folder for the agent's lifetime: two agents on one state folder (or one map file)
/// would undo each other's routes. The kernel releases it when the process ends, kill -9 included.
/// </summary>
internal static class StateDirectoryLock
{
    public const string FileName = "agent.lock";

    /// <summary>The held lock, or null when another process holds it.</summary>
    public static FileStream? TryAcquire(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        try
        {
            // FileShare.None takes an exclusive flock on Unix.
            return new FileStream(Path.Combine(stateDirectory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
