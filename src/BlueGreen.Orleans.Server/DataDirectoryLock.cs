using System.Globalization;

namespace BlueGreen.Orleans.Server;

/// <summary>
/// One server per data directory: an exclusive lock on <c>&lt;data&gt;/server.lock</c>, taken before anything else starts
/// and held for the life of the process (the kernel drops it when the process dies, however it dies). A second server
/// on the same directory (an orphan left by a killed <c>dotnet run</c>, a second terminal) would wake the same grains
/// on the same database and drive the same deployments: it stops at once instead, naming the holder's pid.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private const string LockFile = "server.lock";
    private const string PidFile = "server.pid";
    private readonly FileStream _lock;

    private DataDirectoryLock(FileStream held) => _lock = held;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var folder = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(folder);
        FileStream held;
        try
        {
            // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Linux: refused while another process holds it.
            held = new FileStream(Path.Combine(folder, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = File.Exists(Path.Combine(folder, PidFile)) ? File.ReadAllText(Path.Combine(folder, PidFile)).Trim() : "unknown";
            throw new InvalidOperationException(
                $"The data directory {folder} is in use by another bluegreen-server (pid {holder}). Stop that one first " +
                $"(kill {holder}), or give this one its own BlueGreen:DataDirectory.");
        }

        File.WriteAllText(Path.Combine(folder, PidFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return new DataDirectoryLock(held);
    }

    public void Dispose() => _lock.Dispose();
}
